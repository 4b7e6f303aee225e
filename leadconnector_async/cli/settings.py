"""Where the command line gets its token and location: the environment or a file, never argv."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .._environ import LOCATION_VAR, TOKEN_FILE_VAR, TOKEN_VAR, read_environment
from ..auth import redact
from ..errors import ConfigurationError


@dataclass(frozen=True)
class Account:
    """The account the command line talks to."""

    token: str
    location_id: str
    base_url: str | None

    def __repr__(self) -> str:
        return f"Account(location_id={self.location_id!r}, token={redact(self.token)})"


def account_from_env(env: Mapping[str, str] | None = None) -> Account:
    """Read the account from the environment (token directly or from a file).

    Raises:
        ConfigurationError: The token or the location is not set (the message names each
            missing setting), or the token file is unreadable.
    """
    found = read_environment(env)
    missing = [f"{TOKEN_VAR} (or {TOKEN_FILE_VAR})"] if not found.token else []
    missing += [LOCATION_VAR] if not found.location_id else []
    if not found.token or not found.location_id:
        raise ConfigurationError(
            f"{' and '.join(missing)} not set: set {'them' if len(missing) > 1 else 'it'} for "
            "your account (nothing was sent), or pass --fake to run against an embedded fake "
            "server whose data is gone when the command ends"
        )
    return Account(found.token, found.location_id, found.base_url)
