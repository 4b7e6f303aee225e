"""The environment variables the client and the command line read, read in one place.

``LEADCONNECTOR_TOKEN``
    A Private Integration Token or access token.
``LEADCONNECTOR_TOKEN_FILE``
    A file holding the token (for secrets mounted as files); used when the token is not set.
``LEADCONNECTOR_LOCATION_ID``
    The default location.
``LEADCONNECTOR_BASE_URL``
    The API root (default ``https://services.leadconnectorhq.com``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigurationError

TOKEN_VAR = "LEADCONNECTOR_TOKEN"
TOKEN_FILE_VAR = "LEADCONNECTOR_TOKEN_FILE"
LOCATION_VAR = "LEADCONNECTOR_LOCATION_ID"
BASE_URL_VAR = "LEADCONNECTOR_BASE_URL"


@dataclass(frozen=True, repr=False)
class Settings:
    """What the environment says; empty values count as unset."""

    token: str | None
    location_id: str | None
    base_url: str | None

    def __repr__(self) -> str:  # never the token
        return f"Settings(location_id={self.location_id!r}, base_url={self.base_url!r})"


def read_environment(env: Mapping[str, str] | None = None) -> Settings:
    """Read the token (directly or from its file), location and base URL.

    Raises:
        ConfigurationError: The token file is named but cannot be read, or is not UTF-8 text.
    """
    env = os.environ if env is None else env
    token = env.get(TOKEN_VAR, "").strip()
    token_file = env.get(TOKEN_FILE_VAR, "").strip()
    if not token and token_file:
        token = _read_token_file(token_file)
    return Settings(
        token or None,
        env.get(LOCATION_VAR, "").strip() or None,
        env.get(BASE_URL_VAR, "").strip() or None,
    )


def _read_token_file(name: str) -> str:
    """The token in the file ``name``, stripped; the error never quotes the file's bytes.

    A leading UTF-8 byte order mark (Windows editors write one) is dropped with the whitespace.
    """
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read {TOKEN_FILE_VAR}={name}: {exc}") from None
    try:
        return data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        pass  # raised below, so that no exception holding the bytes is chained to ours
    raise ConfigurationError(
        f"cannot read {TOKEN_FILE_VAR}={name}: it is not UTF-8 text (its content is not shown)"
    )
