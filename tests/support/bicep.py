"""infra/main.bicep as a parsed tree (pycep-parser), for tests that read the template.

What pycep 0.7.1 gives and how it is read here:

* ``resources[symbolic name]`` → ``type``, ``api_version``, ``config`` (the body); a conditional
  resource (``= if (...) {...}``) has ``config.condition`` and the body in ``config.config``.
* A string literal and a reference to a param, var or resource are both a plain ``str``
  (``'submissions'`` and ``submissionsQueue`` alike): :func:`Template.ref` tells them apart by
  the declared names. Interpolated strings stay as their source text (``'${a}-rejected'``).
* Expressions are ``{"function": {...}}`` / ``{"operator": {...}}`` dicts.
* A quoted object key keeps its quotes: ``'odata.type': ...`` is the key ``"'odata.type'"``.
* Known mis-parse: ``a < 30 ? 30 : a`` reads as ``a < (30 ? 30 : a)`` (the conditional binds
  tighter than a comparison), so the template writes ``max(30, retentionDays)`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pycep import BicepParser

from .paths import ROOT

MAIN = ROOT / "infra" / "main.bicep"


@dataclass(frozen=True)
class Reference:
    """A reference to a declared symbol (not a string literal)."""

    name: str


@dataclass(frozen=True)
class Template:
    tree: dict[str, Any]

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.tree["parameters"])

    @property
    def variables(self) -> dict[str, Any]:
        return dict(self.tree["variables"])

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.tree["resources"])

    @property
    def outputs(self) -> dict[str, Any]:
        return dict(self.tree["outputs"])

    def symbols(self) -> set[str]:
        return set(self.parameters) | set(self.variables) | set(self.resources)

    def ref(self, value: object) -> Reference | object:
        """``value`` as a :class:`Reference` when it names a declared symbol."""
        if isinstance(value, str) and value in self.symbols():
            return Reference(value)
        return value

    def resource(self, name: str) -> dict[str, Any]:
        """The resource's body (its ``config``), through a condition if it has one."""
        config = self.resources[name]["config"]
        body: dict[str, Any] = config["config"] if "condition" in config else config
        return body

    def of_type(self, type_: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.resources.items() if r["type"] == type_}

    def variable(self, name: str) -> Any:
        return self.variables[name]["value"]

    def app_settings(self) -> dict[str, Any]:
        settings = self.resource("app")["properties"]["siteConfig"]["appSettings"]
        return {item["name"]: item["value"] for item in settings}


def parse(path: Path) -> Template:
    return Template(BicepParser().parse(text=path.read_text(encoding="utf-8")))


@cache
def main() -> Template:
    return parse(MAIN)


def accessor(first: str, second: object) -> dict[str, Any]:
    """The tree of ``first.second``."""
    operands = {"operand_1": first, "operand_2": second}
    return {"operator": {"type": "property_accessor", "operands": operands}}
