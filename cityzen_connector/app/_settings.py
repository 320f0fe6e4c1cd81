"""Loading the settings, and the one way a bad configuration is reported.

A configuration error names each variable and the rule it breaks, one line per problem, and
never a value: a value may be a secret (a client secret, a pepper, a connection string), and
the text ends up in a terminal, the Function App's start-up log or Application Insights. The
pydantic error is not chained (``from None``): its text carries the inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from cityzen_connector.settings import ENV_PREFIX, Settings

from ._errors import ConfigurationError

__all__ = ["ConfigurationError", "env_name", "load_settings"]


def env_name(field: str) -> str:
    """``dataverse_url`` → ``CITYZEN_DATAVERSE_URL``."""
    return ENV_PREFIX + field.upper()


def load_settings(**values: Any) -> Settings:
    """``Settings`` from the environment (and ``values``, which win), or ``ConfigurationError``."""
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = _problems(exc.errors(include_input=True, include_url=False))
    except SettingsError as exc:
        # pydantic-settings could not even decode a value (a JSON map that is not JSON). Its
        # message names the field; the cause (json's error) is not shown.
        problems = [_settings_error_line(str(exc))]
    raise ConfigurationError(problems) from None


def _problems(errors: Sequence[Any]) -> list[str]:
    lines: list[str] = []
    for error in errors:
        message = _without_input(str(error.get("msg", "invalid")), error.get("input"))
        location = tuple(str(part) for part in error.get("loc", ()))
        if location:
            lines.append(f"{env_name(location[0])}: {message}")
        else:
            # A rule across several settings (model validator): its message names them, one
            # problem per line, after pydantic's "Value error, " prefix.
            text = message.removeprefix("Value error, ")
            lines.extend(line for line in text.splitlines() if line.strip())
    return lines


def _without_input(message: str, value: object) -> str:
    """pydantic's messages do not quote inputs today; make sure no future one does."""
    if isinstance(value, str) and len(value) >= 3 and value in message:
        return message.replace(value, "<hidden>")
    return message


def _settings_error_line(text: str) -> str:
    # 'error parsing value for field "auth_oidc_claim_map" from source "EnvSettingsSource"'
    _, _, rest = text.partition('field "')
    field, _, _ = rest.partition('"')
    if not field:
        return "a setting could not be decoded"
    return f"{env_name(field)}: not valid JSON"
