"""Errors of the composition root.

::

    ConfigurationError   the settings (or a package's config built from them) cannot be used:
                         one line per problem, naming the variable and the rule, never a value;
                         fix the configuration (exit code 2 in the CLI)
    TelemetryError       the Application Insights connection string is malformed or the
                         exporter cannot be set up; the app serves without telemetry
"""

from __future__ import annotations

from collections.abc import Iterable


class ConfigurationError(Exception):
    """The configuration cannot be used. ``problems``: one line per problem, each naming a
    ``CITYZEN_*`` variable and the rule it breaks, never its value."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems) or ("unknown problem",)
        super().__init__(
            "invalid configuration:\n" + "\n".join(f"  {line}" for line in self.problems)
        )


class TelemetryError(RuntimeError):
    """The connection string is malformed or the exporter cannot be set up."""
