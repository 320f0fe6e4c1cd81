"""The organisation's collation: text compares case- and accent-insensitively.

"Language collations" (Microsoft Learn, https://learn.microsoft.com/power-platform/admin/
language-collations): the collation of an environment's SQL database follows the base language
chosen at creation and cannot be changed; it "affects things such as recognized characters,
sorting, quick find, and filtering". Every language is case-insensitive (``_CI``); 1036 French
(France) is ``_CI_AI``, accent-insensitive too ("cafe" and "café" are the same word). An
organisation created in French therefore has a ``Latin1_General_CI_AI``-family collation, and
"Filter rows using OData" says "All filters using string values are case insensitive".

"Work with alternate keys" (https://learn.microsoft.com/power-apps/developer/data-platform/
define-alternate-keys-entity): "Alternate keys use database indexes to enforce uniqueness" —
indexes under that same collation, so ``'K-ABC'`` and ``'k-abc'`` are one key value.

The emulator folds text the way such a collation compares it: Unicode compatibility
decomposition (NFKD, which also makes full-width forms equal: "Windows collation name
(Transact-SQL)", width-insensitive unless ``_WS``), combining marks removed (accents), then
``casefold``. One SQLite collation (``COLLATION``) does comparisons and ordering; one
deterministic SQL function (``FOLD``) folds both sides of ``LIKE``, which ignores collations.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from functools import lru_cache

COLLATION = "dataverse_ci_ai"
FOLD = "dataverse_fold"


@lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """``'Zoé'`` → ``'zoe'``, ``'ＡＢＣ'`` → ``'abc'``, ``'Straße'`` → ``'strasse'``."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.casefold()


def compare(left: str, right: str) -> int:
    """SQLite collation callback: negative, zero or positive, as ``cmp`` was."""
    a, b = fold(left), fold(right)
    if a == b:
        return 0
    return -1 if a < b else 1


SqlValue = str | bytes | int | float | None


def _fold_sql(value: SqlValue) -> SqlValue:
    return fold(value) if isinstance(value, str) else value


def install(conn: sqlite3.Connection) -> None:
    """Register the collation and the fold function on a connection, before any statement
    (an index built with the collation cannot be used, or even updated, without it)."""
    conn.create_collation(COLLATION, compare)
    conn.create_function(FOLD, 1, _fold_sql, deterministic=True)
