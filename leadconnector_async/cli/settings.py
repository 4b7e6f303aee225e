"""Where the command line gets its token and location: the environment or a file, never argv."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..auth import redact
from ..errors import ConfigurationError

TOKEN_VAR = "LEADCONNECTOR_TOKEN"
TOKEN_FILE_VAR = "LEADCONNECTOR_TOKEN_FILE"
LOCATION_VAR = "LEADCONNECTOR_LOCATION_ID"
BASE_URL_VAR = "LEADCONNECTOR_BASE_URL"


@dataclass(frozen=True)
class Account:
    """A real account to talk to; ``None`` from :func:`account_from_env` means the fake server."""

    token: str
    location_id: str
    base_url: str | None

    def __repr__(self) -> str:
        return f"Account(location_id={self.location_id!r}, token={redact(self.token)})"


def account_from_env(env: dict[str, str] | None = None) -> Account | None:
    """Read the account from the environment (token directly or from a file).

    Returns:
        The account, or ``None`` when neither token nor location is configured.

    Raises:
        ConfigurationError: Only one of token and location is set, or the token file is unreadable.
    """
    env = dict(os.environ) if env is None else env
    token = env.get(TOKEN_VAR, "").strip()
    token_file = env.get(TOKEN_FILE_VAR, "").strip()
    if not token and token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(f"cannot read {TOKEN_FILE_VAR}={token_file}: {exc}") from None
    location = env.get(LOCATION_VAR, "").strip()
    if not token and not location:
        return None
    if not token or not location:
        missing = TOKEN_VAR if not token else LOCATION_VAR
        raise ConfigurationError(f"{missing} is not set (set both, or neither for the fake server)")
    return Account(token, location, env.get(BASE_URL_VAR) or None)
