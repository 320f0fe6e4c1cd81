"""The layering of ARCHITECTURE.md, enforced: every import of every module (read with ``ast``,
``TYPE_CHECKING`` and function-level imports included) goes to a room its row allows, and the
graph of rooms and of modules has no cycle."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PACKAGE = "cityzen_connector"
KERNEL = {
    f"{PACKAGE}._clock",
    f"{PACKAGE}._types",
    f"{PACKAGE}._sqlite",
    f"{PACKAGE}._strict_json",
    f"{PACKAGE}._lazy",
    f"{PACKAGE}._private",
    f"{PACKAGE}._metrics",
}
PORTS = {f"{PACKAGE}.messaging", f"{PACKAGE}.store"}
_PIPELINE = {*PORTS, f"{PACKAGE}.dataverse", f"{PACKAGE}.mapping", f"{PACKAGE}.models"}

# Room → the rooms it may import (besides itself and the kernel). The longest matching room
# name wins, so ``sync.intake`` has its own row, apart from ``sync``.
ALLOWED: dict[str, set[str]] = {
    "root": set(),  # cityzen_connector/__init__.py: the version, nothing else
    "kernel": set(),
    f"{PACKAGE}.models": set(),
    f"{PACKAGE}.dataverse": set(),
    f"{PACKAGE}.messaging": set(),
    f"{PACKAGE}.store": set(),
    f"{PACKAGE}.mapping": {f"{PACKAGE}.models", f"{PACKAGE}.dataverse"},
    f"{PACKAGE}.identity": {f"{PACKAGE}.models"},
    f"{PACKAGE}.sync.intake": {
        *PORTS,
        f"{PACKAGE}.mapping",
        f"{PACKAGE}.identity",
        f"{PACKAGE}.models",
    },
    f"{PACKAGE}.sync.pipeline": _PIPELINE,
    # Themes, provisioning and readiness: as the pipeline, and the two halves they sit beside.
    f"{PACKAGE}.sync": {*_PIPELINE, f"{PACKAGE}.sync.intake", f"{PACKAGE}.sync.pipeline"},
    # Case events → status history, "my requests", webhooks out.
    f"{PACKAGE}.cases": _PIPELINE,
    # The citizen's own record: profile, preferences, contact sync, notifications. Beside
    # cases (its events arrive on the case-events queue, its webhooks carry the channel).
    f"{PACKAGE}.citizens": {*_PIPELINE, f"{PACKAGE}.identity", f"{PACKAGE}.cases"},
    # News and agenda, search, address help: each outside system behind its own port.
    f"{PACKAGE}.portal": {*PORTS, f"{PACKAGE}.dataverse", f"{PACKAGE}.models"},
    # The citizens' data-protection rights: export, erasure through the same intake.
    f"{PACKAGE}.rgpd": {*_PIPELINE, f"{PACKAGE}.identity", f"{PACKAGE}.sync.intake"},
    # Entra ID groups → Dataverse users, teams, roles.
    f"{PACKAGE}.agents": {f"{PACKAGE}.dataverse", f"{PACKAGE}.mapping", f"{PACKAGE}.models"},
    f"{PACKAGE}.api": {
        f"{PACKAGE}.agents",
        f"{PACKAGE}.cases",
        f"{PACKAGE}.citizens",
        f"{PACKAGE}.portal",
        f"{PACKAGE}.rgpd",
        f"{PACKAGE}.sync",
        f"{PACKAGE}.sync.intake",
        f"{PACKAGE}.identity",
        f"{PACKAGE}.models",
    },
    # The agent desk (embedded mode): an agent's actions through the client, and their JSON
    # routes beside the API's (its problems, its multipart reader, the ops tokens' verifier).
    f"{PACKAGE}.desk": {
        f"{PACKAGE}.dataverse",
        f"{PACKAGE}.mapping",
        f"{PACKAGE}.models",
        f"{PACKAGE}.identity",
        f"{PACKAGE}.api",
    },
    # The libraries' own literals; its fields by area in _settings/ (read by settings only).
    f"{PACKAGE}.settings": {f"{PACKAGE}.identity", f"{PACKAGE}._settings"},
    f"{PACKAGE}._settings": {f"{PACKAGE}.identity"},
    f"{PACKAGE}.emulator": set(),  # never the client: it must not share its assumptions
    # The local sign-in provider: never identity, whose verifier must check it independently.
    f"{PACKAGE}.signin": set(),
    # The wire models too: the host's own refusals use the API's problem catalogue.
    f"{PACKAGE}.localhost": {f"{PACKAGE}.messaging", f"{PACKAGE}.models"},
    f"{PACKAGE}.testing": {*PORTS, f"{PACKAGE}.emulator", f"{PACKAGE}.dataverse"},
    f"{PACKAGE}.app": {"*"},
    f"{PACKAGE}.cli": {"*"},
    # Adapters: the runtime's input in the port's own types (a message, an auth mode), then one
    # use case through the composition root.
    "functions": {
        f"{PACKAGE}.app",
        f"{PACKAGE}.api",
        f"{PACKAGE}.identity",
        f"{PACKAGE}.messaging",
    },
    "function_app": {"functions", f"{PACKAGE}.app"},
}
# Use-case packages the use cases themselves (and the layers below) must not reach.
ABOVE_EVERYTHING = {
    f"{PACKAGE}.app",
    f"{PACKAGE}.cli",
    f"{PACKAGE}.settings",
    f"{PACKAGE}._settings",
}


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path
    for path in sorted((ROOT / "functions").glob("*.py")):
        stem = path.stem
        yield ("functions" if stem == "__init__" else f"functions.{stem}"), path
    yield "function_app", ROOT / "function_app.py"


def imports_of(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports, relative imports resolved (``from . import x`` names the
    submodule ``x`` when there is one)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


ALL = dict(modules())


def ours(module: str) -> str | None:
    """The module of ours ``module`` names (a name imported from a package may be a symbol)."""
    while module:
        if module in ALL:
            return module
        module = module.rpartition(".")[0]
    return None


def room(module: str) -> str:
    if module in KERNEL:
        return "kernel"
    if module == PACKAGE:
        return "root"
    candidates = [r for r in ALLOWED if module == r or module.startswith(r + ".")]
    assert candidates, f"{module} belongs to no room of ARCHITECTURE.md"
    return max(candidates, key=len)


GRAPH = {
    name: {target for raw in imports_of(name, path) if (target := ours(raw)) and target != name}
    for name, path in ALL.items()
}


def test_every_module_belongs_to_a_room() -> None:
    for name in ALL:
        room(name)


@pytest.mark.parametrize("name", sorted(ALL))
def test_imports_follow_the_rooms(name: str) -> None:
    mine = room(name)
    allowed = ALLOWED[mine]
    forbidden = sorted(
        target
        for target in GRAPH[name]
        if (theirs := room(target)) not in ("kernel", "root", mine)
        and "*" not in allowed
        and theirs not in allowed
    )
    assert forbidden == [], f"{name} ({mine}) may not import {forbidden}"


def test_nothing_below_the_composition_root_imports_it() -> None:
    for name, targets in GRAPH.items():
        if room(name) in ABOVE_EVERYTHING or room(name) in ("functions", "function_app"):
            continue
        above = sorted(t for t in targets if room(t) in ABOVE_EVERYTHING - {room(name)})
        if room(name) == f"{PACKAGE}.settings":
            continue
        assert above == [] or room(name) == f"{PACKAGE}.testing", f"{name} imports {above}"


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_no_import_cycle_between_rooms() -> None:
    rooms: dict[str, set[str]] = {}
    for name, targets in GRAPH.items():
        mine = room(name)
        # A package's own subpackages (sync → sync.pipeline) are part of it, not a cycle.
        rooms.setdefault(mine, set()).update(
            theirs
            for t in targets
            if (theirs := room(t)) != mine and not theirs.startswith(mine + ".")
        )
    assert _cycle(rooms) is None, f"rooms import each other: {_cycle(rooms)}"


def test_no_import_cycle_between_modules() -> None:
    # A package's __init__ re-exporting its modules is the one allowed back edge: a module
    # importing its own package (or a parent's) is followed only through real modules.
    graph = {
        name: {
            t for t in targets if not (name.startswith(t + ".") and ALL[t].name == "__init__.py")
        }
        for name, targets in GRAPH.items()
    }
    assert _cycle(graph) is None, f"modules import each other: {_cycle(graph)}"


def _exception_classes(path: Path) -> list[str]:
    """Classes that derive from an exception (by their bases' names: ``…Error``,
    ``…Exception``, or an exception class of this package already found)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases]
        if any(b.endswith(("Error", "Exception")) or b in _KNOWN_EXCEPTIONS for b in bases):
            found.append(node.name)
    return found


_KNOWN_EXCEPTIONS = {"InvalidToken", "KeysUnavailable", "InvalidMessage", "IdentityError"}


def test_exceptions_live_in_each_package_s_errors_module() -> None:
    # One rule in every package: its exceptions, with the tree drawn in the docstring, are in
    # _errors.py; the other modules raise them.
    outside = {
        name: classes
        for name, path in ALL.items()
        if path.name != "_errors.py" and (classes := _exception_classes(path))
    }
    assert outside == {}
