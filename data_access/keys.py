"""Stable record keys: the same record gets the same key on every database and rebuild.

The cell-key method (docs/methodology.md) perturbs each published number by a noise
picked from the sum of its records' keys. If keys were drawn at random on every load, a
rebuild or a migration would publish a second, differently perturbed copy of every number,
and averaging the copies removes the noise. So a key is derived from the record's natural
id with a deployment secret: anyone without the secret cannot compute it, and anyone who
loads the same extract with the same secret gets the same keys, hence the same numbers.

`record_key(secret, kind, natural_id)` is the first 4 bytes (big-endian) of
HMAC-SHA256(secret, f"{kind}:{natural_id}"). Kinds: "case" (the case_id), "contacts"
(month|channel|language|nationality) and "worksite" (the worksite_id).

The secret comes from the `RECORD_KEY_SECRET` environment variable (hex, or any text of at
least 16 bytes), else from the file `record-key.secret` in the instance folder beside the
default SQLite database, which a writing command creates (32 random bytes, mode 0600) the
first time it needs one. docs/data-contract.md ("Record keys") says how to keep and rotate it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

KINDS = ("case", "contacts", "worksite")
SECRET_ENV = "RECORD_KEY_SECRET"
SECRET_FILENAME = "record-key.secret"
MIN_SECRET_BYTES = 16
NEW_SECRET_BYTES = 32
# Beside the default SQLite database (dashboard.config.DEFAULT_DATABASE), so a laptop
# that never set the variable keeps one secret for all its rebuilds.
DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


class SecretError(RuntimeError):
    """The record-key secret is missing, unreadable or too short."""


def record_key(secret: bytes, kind: str, natural_id: str) -> int:
    """The record's key: an integer in 0..2**32-1, secret and stable."""
    if kind not in KINDS:
        raise ValueError(f"unknown record kind {kind!r} (known: {', '.join(KINDS)})")
    digest = hmac.digest(secret, f"{kind}:{natural_id}".encode(), hashlib.sha256)
    return int.from_bytes(digest[:4], "big")


def contacts_id(row: Mapping) -> str:
    """The natural id of a contacts row: its unique key joined by '|'."""
    return "|".join(str(row[c]) for c in ("month", "channel", "language", "nationality"))


def _decode(text: str) -> bytes:
    text = text.strip()
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = b""
    if len(raw) < MIN_SECRET_BYTES:
        # Not hex, or hex too short to be a secret on its own: the text itself is.
        raw = text.encode()
    if len(raw) < MIN_SECRET_BYTES:
        raise SecretError(
            f"the record-key secret must be at least {MIN_SECRET_BYTES} bytes "
            f"(got {len(raw)}); `python -c 'import secrets; print(secrets.token_hex(32))'` "
            "makes one"
        )
    return raw


def load_secret(
    env: Mapping[str, str] | None = None,
    instance: Path | None = None,
    create: bool = True,
) -> bytes:
    """The deployment's record-key secret (see the module docstring for where it lives).

    `create`: make the instance file when neither the variable nor the file exists; only
    writing commands (demo, import) pass True, so a reader never invents a secret.
    """
    env = os.environ if env is None else env
    if env.get(SECRET_ENV):
        return _decode(env[SECRET_ENV])
    path = (instance or DEFAULT_INSTANCE) / SECRET_FILENAME
    if path.exists():
        return _decode(path.read_text(encoding="ascii"))
    if not create:
        raise SecretError(f"no record-key secret: set {SECRET_ENV} or create {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = secrets.token_hex(NEW_SECRET_BYTES) + "\n"
    # O_EXCL: two first runs at once must not write two different secrets.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _decode(path.read_text(encoding="ascii"))
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
    return _decode(text)
