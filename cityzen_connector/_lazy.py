"""Lazy exports (PEP 562) for packages whose public names pull in heavy imports: a Functions
cold start pays for every import, so ``dataverse``, ``identity`` and ``api`` load a module only
when one of its names is first used."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``: ``names`` maps each public name to the private
    module defining it; a name is imported on first use, then kept in the package's globals."""
    namespace = import_module(package).__dict__

    def __getattr__(name: str) -> Any:  # noqa: N807 - PEP 562 hook
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__
