"""What the OAuth endpoints answer (``apps/oauth.json``).

The token fields are snake_case on the wire (``access_token``) while the rest is camelCase
(``userType``), so names are given field by field instead of by a struct-wide rename.
"""

from __future__ import annotations

import msgspec


class LocationTokenResponse(msgspec.Struct, kw_only=True):
    """``POST /oauth/locationToken``: a location access token minted from an agency token.

    ``access_token`` is ``""`` when the answer holds none, so the token source can say so
    (a refresh answer's refresh token must reach ``on_refresh`` even then).
    """

    access_token: str = ""
    expires_in: float | None = None
    token_type: str | None = None
    scope: str | None = None
    location_id: str | None = msgspec.field(default=None, name="locationId")
    user_id: str | None = msgspec.field(default=None, name="userId")


class TokenResponse(LocationTokenResponse, kw_only=True):
    """``POST /oauth/token``: a new access token and its single-use refresh token.

    ``refresh_token`` is ``""`` when the answer holds none: after a refresh the old one is
    kept (RFC 6749 section 6); after a code exchange the grant cannot be refreshed.
    """

    refresh_token: str = ""
    user_type: str | None = msgspec.field(default=None, name="userType")
    company_id: str | None = msgspec.field(default=None, name="companyId")
