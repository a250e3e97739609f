"""The one place that decides how a secret column may appear in wsadmin's output.

SCHEMA.md "Secrets": password hashes, connection configs (their ciphertext
too), the redis password and public tokens never reach any output, log or
file wsadmin writes. Every check and fix that shows rows selects such a column
only through the expressions below, which say what kind of value is there
(`bcrypt (60 chars)`, `encrypted (212 chars)`, `NOT ENCRYPTED`, `set`), never
the value. Each expression is wrapped in marker comments, and `assert_safe`
refuses any statement that names a secret column outside them: a new check
that selects one raw fails on its first run, in tests and in the field alike.
"""

from __future__ import annotations

import re
from typing import Final

SECRET_COLUMNS: Final = frozenset({
    ("users", "password_hash"),
    ("connections", "config"),
    ("workspace_settings", "redis_password"),
    ("dashboards", "public_token"),
})

OPEN: Final = "/*secret:*/"
CLOSE: Final = "/*:secret*/"
_MARKED: Final = re.compile(re.escape(OPEN) + r".*?" + re.escape(CLOSE), re.S)
# `config` also names charts.config, which no check shows either: any mention is refused,
# except as the name of an output column (`... AS config`).
_NAMES: Final = re.compile(r"(?<!AS )(?<!AS \")\b(" + "|".join(
    sorted({c for _t, c in SECRET_COLUMNS})) + r")\b", re.I)

ENCRYPTED_PREFIX: Final = '"Z0FBQUFB'
"""A config the backend encrypted: a JSON string holding a Fernet token, base64 again."""


class SecretExposed(AssertionError):
    """A statement would put a secret column into wsadmin's output (a bug in wsadmin)."""


def _wrap(expr: str) -> str:
    return f"{OPEN}{expr}{CLOSE}"


def is_bcrypt(ref: str) -> str:
    """SQL: 1 when `ref` is bcrypt as SCHEMA.md defines it: `$2a$`/`$2b$`/`$2y$`, 60 chars.

    (A check of every character against bcrypt's alphabet costs seven times as much on a
    million users and finds nothing a writer of real hashes produces.)"""
    return _wrap(
        f"coalesce(typeof({ref}) = 'text' AND length({ref}) = 60"
        f" AND substr({ref}, 1, 4) IN ('$2a$', '$2b$', '$2y$'), 0)")


def is_encrypted_config(ref: str) -> str:
    """SQL: 1 when `ref` is a config as the backend stores it encrypted."""
    return _wrap(
        f"coalesce(typeof({ref}) = 'text' AND json_valid({ref})"
        f" AND substr({ref}, 1, {len(ENCRYPTED_PREFIX)}) = '{ENCRYPTED_PREFIX}', 0)")


_SCHEMES: Final = (
    ("$argon2", "argon2"), ("$pbkdf2", "pbkdf2"), ("$scrypt$", "scrypt"),
    ("$1$", "md5-crypt"), ("$5$", "sha256-crypt"), ("$6$", "sha512-crypt"),
    ("$2", "malformed bcrypt"),
)


def describe_hash(ref: str) -> str:
    """SQL: the scheme of a password hash and, for a known scheme, its length.

    An unknown value may be a password stored in clear: not even its length is shown.
    """
    whens = "".join(f" WHEN substr({ref}, 1, {len(p)}) = '{p}' THEN '{name} ('"
                    f" || length({ref}) || ' chars)'" for p, name in _SCHEMES)
    bcrypt = is_bcrypt(ref).removeprefix(OPEN).removesuffix(CLOSE)
    return _wrap(
        f"CASE WHEN {ref} IS NULL THEN 'missing' WHEN typeof({ref}) <> 'text'"
        f" THEN 'not text (' || typeof({ref}) || ')' WHEN {ref} = '' THEN 'empty'"
        f" WHEN {bcrypt} THEN 'bcrypt (60 chars)'{whens}"
        f" ELSE 'unknown scheme (maybe a clear-text password)' END")


def describe_config(ref: str) -> str:
    """SQL: `encrypted (N chars)` or `NOT ENCRYPTED`; never a byte of the config."""
    enc = is_encrypted_config(ref).removeprefix(OPEN).removesuffix(CLOSE)
    return _wrap(f"CASE WHEN {enc} THEN 'encrypted (' || length({ref}) || ' chars)'"
                 f" ELSE 'NOT ENCRYPTED' END")


def describe_presence(ref: str) -> str:
    """SQL: `not set`, `empty` or `set` (redis password, public token)."""
    return _wrap(f"CASE WHEN {ref} IS NULL THEN 'not set' WHEN {ref} = '' THEN 'empty'"
                 " ELSE 'set' END")


def describe(table: str, column: str, ref: str) -> str:
    """SQL showing `table.column` (at `ref`) safely; a secret one only by its kind."""
    if (table, column) == ("users", "password_hash"):
        return describe_hash(ref)
    if (table, column) == ("connections", "config"):
        return describe_config(ref)
    if (table, column) in SECRET_COLUMNS:
        return describe_presence(ref)
    return ref


def is_secret(table: str, column: str) -> bool:
    return (table, column) in SECRET_COLUMNS


def unmarked(sql: str) -> str:
    """`sql` without the described parts: what may not name a secret column."""
    return _MARKED.sub(" ", sql)


def assert_safe(sql: str) -> None:
    """Refuse a statement whose output could carry a secret column raw."""
    found = _NAMES.search(unmarked(sql))
    if found is not None:
        raise SecretExposed(f"a statement names the secret column {found.group(1)!r} outside "
                            "wsadmin.db.health.secret_columns: refusing to show its rows")
