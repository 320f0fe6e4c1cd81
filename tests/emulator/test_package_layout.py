"""The emulator package's own rules, read from its source with ``ast``: no import cycle, the
app imported only where it is built, nothing of the connector but the kernel (never the
client: the emulator must not share its assumptions), exceptions in ``_errors.py``, private
implementation modules and public names in ``__all__``.

Every import counts, including those under ``TYPE_CHECKING`` and inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cityzen_connector.emulator as emulator
from cityzen_connector.emulator import _errors

PACKAGE = "cityzen_connector.emulator"
FOLDER = Path(emulator.__file__).parent
KERNEL = {
    "cityzen_connector._clock",
    "cityzen_connector._types",
    "cityzen_connector._sqlite",
    "cityzen_connector._private",
}
# The package itself and the modules that construct an app.
MAY_IMPORT_APP = {PACKAGE, f"{PACKAGE}._seed", f"{PACKAGE}._server"}


def _module_name(path: Path) -> str:
    return PACKAGE if path.name == "__init__.py" else f"{PACKAGE}.{path.stem}"


SOURCES = {_module_name(p): p for p in sorted(FOLDER.glob("*.py"))}
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in SOURCES.items()}


def _imports(tree: ast.Module, package: str = PACKAGE) -> set[str]:
    """Dotted names of the modules a source imports; ``from pkg import sub`` is ``pkg.sub``
    when ``sub`` is one of our modules (or anything taken from the root package)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                out.add(candidate if candidate in SOURCES or base == "cityzen_connector" else base)
    return out


def _package_of(name: str) -> str:
    return name if name == PACKAGE else name.rpartition(".")[0]


IMPORTS = {name: _imports(tree, _package_of(name)) for name, tree in TREES.items()}
GRAPH = {name: {m for m in targets if m in SOURCES} for name, targets in IMPORTS.items()}


def _find_cycle() -> list[str] | None:
    """One import cycle among the emulator's modules, as a path, or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(GRAPH[node]):
            found = visit(target)
            if found:
                return found
        path.pop()
        done.add(node)
        return None

    for start in sorted(GRAPH):
        found = visit(start)
        if found:
            return found
    return None


def test_no_import_cycle_inside_the_emulator() -> None:
    cycle = _find_cycle()
    assert cycle is None, " -> ".join(cycle or [])


def test_the_app_is_imported_only_where_it_is_built() -> None:
    importers = {name for name, targets in GRAPH.items() if f"{PACKAGE}._app" in targets}
    assert importers <= MAY_IMPORT_APP, sorted(importers - MAY_IMPORT_APP)


def test_handlers_get_a_context_not_the_app() -> None:
    handlers = ["_router", "_batch", "_bulk", "_metadata_api", "_metadata_write"]
    for handler in handlers:
        assert f"{PACKAGE}._context" in GRAPH[f"{PACKAGE}.{handler}"], handler
    assert f"{PACKAGE}._app" not in GRAPH[f"{PACKAGE}._context"]


def test_the_emulator_imports_only_the_kernel_of_the_connector() -> None:
    outside = {
        (name, target)
        for name, targets in IMPORTS.items()
        for target in targets
        if target.split(".")[0] == "cityzen_connector"
        and not target.startswith(PACKAGE)
        and target not in KERNEL
    }
    assert outside == set(), sorted(outside)


def test_the_parser_sees_every_kind_of_import() -> None:
    # The rules above are only worth their parser: check it on imports the emulator must not use.
    tree = ast.parse(
        "from cityzen_connector import dataverse\n"
        "import cityzen_connector.dataverse.errors\n"
        "if TYPE_CHECKING:\n"
        "    from cityzen_connector.emulator._app import EmulatorApp\n"
        "def late():\n"
        "    from . import _router\n"
        "    from ._store import Store\n"
    )
    assert _imports(tree) == {
        "cityzen_connector.dataverse",
        "cityzen_connector.dataverse.errors",
        f"{PACKAGE}._app",
        f"{PACKAGE}._router",
        f"{PACKAGE}._store",
    }


def _is_exception_class(node: ast.ClassDef) -> bool:
    names = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
    return any(
        n in {"Exception", "BaseException"} or n.endswith(("Error", "Exception")) for n in names
    )


def test_exception_classes_live_in_errors_module() -> None:
    misplaced = [
        f"{name}.{node.name}"
        for name, tree in TREES.items()
        if name != f"{PACKAGE}._errors"
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and _is_exception_class(node)
    ]
    assert misplaced == []


def test_implementation_modules_are_private() -> None:
    public = [
        p.name for p in SOURCES.values() if p.name != "__init__.py" and not p.name.startswith("_")
    ]
    assert public == []


def test_public_errors_are_exported() -> None:
    errors = {
        name
        for name, value in vars(_errors).items()
        if isinstance(value, type) and issubclass(value, _errors.EmulatorError)
    }
    assert errors == {"EmulatorError", "ODataError", "ServeError", "StoreError"}
    assert errors <= set(emulator.__all__)
    assert all(hasattr(emulator, name) for name in emulator.__all__)
