"""Where the command line gets its token and location: the environment or a file, never argv."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .._environ import LOCATION_VAR, TOKEN_VAR, read_environment
from ..auth import redact
from ..errors import ConfigurationError


@dataclass(frozen=True)
class Account:
    """A real account to talk to; ``None`` from :func:`account_from_env` means the fake server."""

    token: str
    location_id: str
    base_url: str | None

    def __repr__(self) -> str:
        return f"Account(location_id={self.location_id!r}, token={redact(self.token)})"


def account_from_env(env: Mapping[str, str] | None = None) -> Account | None:
    """Read the account from the environment (token directly or from a file).

    Returns:
        The account, or ``None`` when neither token nor location is configured.

    Raises:
        ConfigurationError: Only one of token and location is set, or the token file is unreadable.
    """
    found = read_environment(env)
    token, location = found.token, found.location_id
    if not token and not location:
        return None
    if not token or not location:
        missing = TOKEN_VAR if not token else LOCATION_VAR
        raise ConfigurationError(f"{missing} is not set (set both, or neither for the fake server)")
    return Account(token, location, found.base_url)
