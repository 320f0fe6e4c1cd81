"""The configuration reference is generated from ``Settings``: complete, exact, no secret shown."""

from __future__ import annotations

import html
import re
from types import ModuleType

import markdown
import pytest
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from cityzen_connector.settings import ENV_PREFIX, Settings
from tests.support import live

from .conftest import DOCS, ROOT

ENV_NAME = re.compile(r"\bCITYZEN_[A-Z0-9_]*")
# Where the settings' fields are declared, in the reference page's order.
SETTINGS_SOURCES = (
    "_settings/dataverse.py",
    "_settings/messaging.py",
    "_settings/identity.py",
    "_settings/cases.py",
    "_settings/portal.py",
    "settings.py",
)


def _row(page: str, env: str) -> str:
    rows = [line for line in page.splitlines() if line.startswith(f"| `{env}` |")]
    assert len(rows) == 1, f"{env}: {len(rows)} rows"
    return rows[0]


def test_every_setting_has_a_row_with_its_variable_and_description(hooks: ModuleType) -> None:
    page = hooks.configuration_page()
    for name, field in Settings.model_fields.items():
        row = _row(page, ENV_PREFIX + name.upper())
        assert field.description
        assert hooks.md_text(field.description) in row, name


def test_the_page_lists_no_setting_that_does_not_exist(hooks: ModuleType) -> None:
    listed = set(re.findall(r"^\| `(CITYZEN_[A-Z0-9_]+)` \|", hooks.configuration_page(), re.M))
    assert listed == {ENV_PREFIX + name.upper() for name in Settings.model_fields}


def test_secret_defaults_never_appear(hooks: ModuleType) -> None:
    page = hooks.configuration_page()
    secrets = {
        name: field.get_default(call_default_factory=True).get_secret_value()
        for name, field in Settings.model_fields.items()
        if field.annotation is SecretStr
    }
    assert secrets, "Settings has secrets; this test must see them"
    for name, value in secrets.items():
        row = _row(page, ENV_PREFIX + name.upper())
        assert "*secret*" in row
        assert "secret string" in row
        if value:
            assert value not in page, name


class _Sample(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX)

    # -- first group ---------------------------------------------------------------------------
    api_token: SecretStr = Field(SecretStr("do-not-print-me"), description="A token.")
    size_bytes: int = Field(2048, ge=1024, le=4096, description="A size with <bounds> | pipes.")

    # -- second group --------------------------------------------------------------------------
    ratio: float = Field(0.5, gt=0, lt=1, description="A ``ratio`` of *things*.")
    mode: str = Field("", description="Empty by default.")


def test_a_sample_class_renders_groups_types_defaults_and_bounds(hooks: ModuleType) -> None:
    page = hooks.configuration_page(_Sample)
    assert "do-not-print-me" not in page
    assert [title for title, _ in hooks.setting_groups(_Sample)] == ["First group", "Second group"]
    assert page.index("## First group") < page.index("`CITYZEN_SIZE_BYTES`")
    assert page.index("## Second group") < page.index("`CITYZEN_RATIO`")
    assert "| `CITYZEN_SIZE_BYTES` | integer, ≥ 1024, ≤ 4096 | `2048` (2 KiB) |" in page
    assert "| `CITYZEN_RATIO` | number, > 0, &lt; 1 | `0.5` |" in page
    assert "| `CITYZEN_MODE` | string | *empty* |" in page
    assert "A `ratio` of \\*things\\*." in page


class _SampleBase(BaseModel):
    # -- base group ----------------------------------------------------------------------------
    base_url: str = Field("https://example.org", description="Declared in a base class.")


class _SampleWithBase(_SampleBase, BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX)

    # -- own group -----------------------------------------------------------------------------
    own_count: int = Field(3, ge=1, description="Declared in the class itself.")


def test_fields_of_a_base_class_are_grouped_by_their_own_comments(hooks: ModuleType) -> None:
    # Settings keeps its fields by area in base classes (cityzen_connector/_settings/).
    groups = hooks.setting_groups(_SampleWithBase)
    assert groups == [("Base group", ["base_url"]), ("Own group", ["own_count"])]
    page = hooks.configuration_page(_SampleWithBase)
    assert page.index("## Base group") < page.index("`CITYZEN_BASE_URL`")
    assert page.index("`CITYZEN_BASE_URL`") < page.index("## Own group")
    assert "| `CITYZEN_OWN_COUNT` | integer, ≥ 1 | `3` |" in page


def test_a_setting_outside_any_group_is_refused(hooks: ModuleType) -> None:
    class Ungrouped(BaseSettings):
        loose: int = Field(1, description="No group comment above.")

    with pytest.raises(ValueError, match="loose"):
        hooks.setting_groups(Ungrouped)


def test_groups_follow_settings_py(hooks: ModuleType) -> None:
    # settings.py's groups come last: its bases by area (_settings/) are listed first to last
    # in the order pydantic reads them, which is the order of SETTINGS_SOURCES.
    source = "".join(
        (ROOT / "cityzen_connector" / name).read_text(encoding="utf-8") for name in SETTINGS_SOURCES
    )
    comments = re.findall(r"^    # -- (.+?) -{3,}$", source, re.M)
    titles = [title for title, _ in hooks.setting_groups()]
    assert titles == [c[:1].upper() + c[1:] for c in comments]
    grouped = [name for _, names in hooks.setting_groups() for name in names]
    assert grouped == list(Settings.model_fields)


@pytest.mark.parametrize(
    "text", ["a | b <c> &d *e* _f_ [g](h) \\ `i`", 'x_y and *_verified and {"k": "v"}']
)
def test_cell_text_renders_as_the_same_plain_text(hooks: ModuleType, text: str) -> None:
    table = f"| h |\n|---|\n| {hooks.md_text(text)} |\n"
    rendered = markdown.markdown(table, extensions=["tables"])
    cell = re.search(r"<td>(.*)</td>", rendered, re.S)
    assert cell is not None
    assert html.unescape(re.sub(r"<[^>]+>", "", cell[1])) == text


def test_hand_written_pages_name_only_settings_that_exist() -> None:
    # The reference is generated; prose elsewhere names variables by hand, and must not drift.
    expected = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    # The live suite's own (tests/support/live.py, docs/live.md): the test organisation's.
    expected |= {
        live.URL,
        live.TENANT_ID,
        live.CLIENT_ID,
        live.CLIENT_SECRET,
        live.CERTIFICATE_PATH,
    }
    for path in [ROOT / "README.md", *sorted(DOCS.glob("**/*.md"))]:
        for name in ENV_NAME.findall(path.read_text(encoding="utf-8")):
            if name.endswith("_"):  # a family, written CITYZEN_AUTH_*
                assert any(e.startswith(name) for e in expected), f"{path.name}: {name}*"
            else:
                assert name in expected, f"{path.name}: {name} is not a setting"
