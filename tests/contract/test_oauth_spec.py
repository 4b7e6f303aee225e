"""The client's OAuth requests and the fake's OAuth answers held to the vendored ``oauth.json``."""

from __future__ import annotations

import json
from typing import Any, TypedDict
from urllib.parse import parse_qsl

from jsonschema import Draft202012Validator

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, FakeOAuth

from .spec import SPEC_DIR

OAUTH = json.loads((SPEC_DIR / "oauth.json").read_text())


def _named(node: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = OAUTH["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return schema


def _request_schema(path: str) -> dict[str, Any]:
    content = OAUTH["paths"][path]["post"]["requestBody"]["content"]
    return _named(content["application/x-www-form-urlencoded"]["schema"])


def _response_schema(path: str) -> dict[str, Any]:
    content = OAUTH["paths"][path]["post"]["responses"]["200"]["content"]
    return _named(content["application/json"]["schema"])


def test_every_oauth_route_the_fake_serves_is_in_the_spec() -> None:
    app = FakeLeadConnector().build_app()
    served = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith("/oauth/")
    }
    declared = {(m.upper(), p) for p, ops in OAUTH["paths"].items() for m in ops}
    assert served
    assert served <= declared, served - declared


class _App(TypedDict):
    """The app's credentials, as exchange_code takes them."""

    client_id: str
    client_secret: str


async def _oauth_flow() -> FakeLeadConnector:
    async with (
        FakeLeadConnector(record=True) as fake,
        lc.LeadConnector(None, base_url=fake.url) as pool,
    ):
        oauth = FakeOAuth.of(fake)
        app = _App(client_id=oauth.client_id, client_secret=oauth.client_secret)
        location = await lc.exchange_code(
            pool, oauth.authorize(location_id="loc-1"), **app, on_refresh=None
        )
        oauth.expire_access_tokens()
        await pool.for_location("loc-1", token=location).contacts.create(lc.ContactCreate())
        code = oauth.authorize(user_type="Company", company_id="co-1")
        agency = await lc.exchange_code(pool, code, **app, user_type="Company", on_refresh=None)
        await lc.AgencyTokens(pool, agency).for_location("loc-2").get_token()
    return fake


async def test_oauth_requests_and_answers_match_the_spec() -> None:
    fake = await _oauth_flow()
    exchanges = [e for e in fake.stats.exchanges if e.route.startswith("/oauth/")]
    assert [e.route for e in exchanges] == ["/oauth/token"] * 3 + ["/oauth/locationToken"]
    for exchange in exchanges:
        assert exchange.status == 200, exchange
        form = dict(parse_qsl(exchange.request_body.decode(), strict_parsing=True))
        request_errors = Draft202012Validator(_request_schema(exchange.route)).iter_errors(form)
        assert not list(request_errors), form.keys()
        answer = _response_schema(exchange.route)
        assert not list(Draft202012Validator(answer).iter_errors(exchange.response_body))
        assert set(answer.get("required", [])) <= set(exchange.response_body)
