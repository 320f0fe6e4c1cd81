"""Start-up check: build every package's configuration once, so that a rule a package enforces
on its own config fails at start-up, reported like a settings error (names and rules only)."""

from __future__ import annotations

from collections.abc import Callable

from cityzen_connector.settings import Settings

from . import _configs, _identity
from ._settings import ConfigurationError, env_name

__all__ = ["check"]

# Each builder with the settings it reads, to name them when it refuses its configuration.
# Library messages name fields and rules, never values (their tests check it).
_Builder = Callable[[Settings], object]
_BUILDERS: tuple[tuple[tuple[str, ...], _Builder], ...] = (
    (
        (
            "dataverse_url",
            "dataverse_timeout_seconds",
            "dataverse_max_concurrency",
            "dataverse_bulk_chunk_size",
        ),
        _configs.dataverse_config,
    ),
    (("api_attachment_types",), _configs.attachment_limits),
    (("retry_initial_delay_seconds", "retry_max_delay_seconds"), _configs.delivery_policy),
    (("webhook_urls", "webhook_secrets"), _configs.webhook_config),
    (("feeds_news_urls", "feeds_agenda_urls", "feeds_time_zone"), _configs.feeds_config),
    (("feeds_refresh_schedule",), _configs.feeds_schedule),
    (("notifier_url",), _configs.notifier_url),
)
_IDENTITY_BUILDERS: tuple[tuple[tuple[str, ...], _Builder], ...] = (
    (
        (
            "auth_oidc_issuer",
            "auth_oidc_audience",
            "auth_oidc_algorithms",
            "auth_oidc_client_ids",
            "auth_oidc_required_scopes",
        ),
        _identity.citizen_config,
    ),
    (("auth_entra_tenant_id", "auth_entra_audience", "auth_entra_roles"), _identity.agent_config),
)
_OPS_BUILDERS: tuple[tuple[tuple[str, ...], _Builder], ...] = (
    (("ops_tenant_id", "ops_role", "ops_jwks_uri"), _identity.checked_ops_authenticator),
)


def check(settings: Settings) -> None:
    """Raise ``ConfigurationError`` listing every configuration a package refuses."""
    builders = _BUILDERS
    if settings.auth_mode != "function_key":  # identity is imported only when it is used
        builders += _IDENTITY_BUILDERS
    if settings.ops_tenant_id:  # the ops tenant's rules (a local key has none to break)
        builders += _OPS_BUILDERS
    problems: list[str] = []
    for names, build in builders:
        try:
            build(settings)
        except (ValueError, TypeError) as exc:  # every package's config error is a ValueError
            problems.append(f"{', '.join(env_name(n) for n in names)}: {exc}")
    if problems:
        raise ConfigurationError(problems)
