"""OAuth routes: ``POST /oauth/token`` and ``POST /oauth/locationToken`` (``apps/oauth.json``).

Both take form-encoded bodies. ``/oauth/*`` skips the bearer/Version middleware, so each
route checks what the real endpoint requires itself.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import _responses as respond
from ._oauth import FakeOAuth, TokenRequest
from ._routes import fake_of, scope_denied
from ._server import API_VERSION, _bearer

FORM = "application/x-www-form-urlencoded"


async def token(request: web.Request) -> web.Response:
    oauth = FakeOAuth.of(fake_of(request))
    form = await _form(request, ("client_id", "client_secret", "grant_type"))
    if isinstance(form, web.Response):
        return form
    headers = request.headers
    seen = TokenRequest(
        form, request.content_type, headers.get("Authorization"), headers.get("Version")
    )
    oauth.token_requests.append(seen)
    if oauth.apps.get(form["client_id"]) != form["client_secret"]:
        return _refused(oauth, "invalid_client", "Invalid client: client is invalid")
    answer: dict[str, Any] | None
    if form["grant_type"] == "authorization_code":
        oauth.stats.code_exchanges += 1
        grant = oauth.take_code(form.get("code", ""), form["client_id"], form.get("redirect_uri"))
        answer = None if grant is None else oauth.issue(grant)
        what = "authorization code"
    elif form["grant_type"] == "refresh_token":
        oauth.stats.refreshes += 1
        answer = oauth.refresh(
            form.get("refresh_token", ""), form["client_id"], form.get("user_type")
        )
        what = "refresh token"
    else:
        return _refused(oauth, "unsupported_grant_type", "Unsupported grant type")
    if answer is None:
        return _refused(oauth, "invalid_grant", f"Invalid grant: {what} is invalid")
    return respond.ok(answer)


async def location_token(request: web.Request) -> web.Response:
    fake = fake_of(request)
    oauth = FakeOAuth.of(fake)
    if request.headers.get("Version") != API_VERSION:
        return respond.bad_request("Version header is missing or not supported")
    info = fake.authenticate(request)
    if isinstance(info, web.Response):
        return info
    grant = oauth.agency_grants.get(_bearer(request) or "")
    if grant is None:  # a location token on an agency-only route
        return respond.unauthorized("The token is not authorized for this scope.")
    if (denied := scope_denied(request, "oauth.write")) is not None:
        return denied
    form = await _form(request, ("companyId", "locationId"))
    if isinstance(form, web.Response):
        return form
    if form["companyId"] != grant.company_id:
        return respond.bad_request("companyId does not match the agency token")
    location_id = form["locationId"]
    if grant.approved_locations and location_id not in grant.approved_locations:
        return respond.bad_request(f"The app is not installed on location {location_id}")
    return respond.ok(oauth.mint(grant, location_id))


async def _form(request: web.Request, required: tuple[str, ...]) -> dict[str, str] | web.Response:
    if request.content_type != FORM:
        return respond.bad_request(f"Content-Type must be {FORM}")
    posted = await request.post()
    form = {name: value for name, value in posted.items() if isinstance(value, str)}
    missing = [f"{name} should not be empty" for name in required if not form.get(name)]
    return respond.unprocessable(missing) if missing else form


def _refused(oauth: FakeOAuth, error: str, description: str) -> web.Response:
    oauth.stats.refused += 1
    return respond.error({"error": error, "error_description": description}, 400)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_post("/oauth/token", token)
    router.add_post("/oauth/locationToken", location_token)
