"""What an operator sees: a DEBUG line per attempt, INFO retries, WARNING 429s, request hooks,
errors that say which call failed, and proxies from the environment only when asked."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Unpack

import pytest
import pytest_asyncio

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, FakeRateLimit

from ._options import ClientOptions
from ._secrets import assert_secret_unreachable

FAST_RETRY = lc.RetryPolicy(max_retries=3, backoff_base=0.001, backoff_max=0.001)
FIELDS = (
    "http_method",
    "url_template",
    "location_id",
    "status_code",
    "elapsed_ms",
    "attempt",
    "trace_id",
    "rate_limit_remaining",
)


class Clock:
    """The fake's rate-limit clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeLeadConnector]:
    async with FakeLeadConnector() as server:
        yield server


def _client(fake: FakeLeadConnector, **options: Unpack[ClientOptions]) -> lc.LeadConnector:
    options.setdefault("retry", FAST_RETRY)
    return lc.LeadConnector(
        fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None, **options
    )


def _records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "leadconnector_async" and r.levelno == level]


async def test_a_debug_line_per_attempt_with_structured_fields_and_no_secret(
    fake: FakeLeadConnector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="leadconnector_async")
    contact_id = fake.store.create(fake.location_id, {"firstName": "Ann"})["id"]
    fake.force_fault("unavailable")
    async with _client(fake) as client:
        await client.contacts.get(contact_id)
    attempts = _records(caplog, logging.DEBUG)
    assert [(r.attempt, r.status_code) for r in attempts] == [(1, 503), (2, 200)]  # type: ignore[attr-defined]
    for record in attempts:
        assert all(hasattr(record, name) for name in FIELDS)
        assert record.url_template == "/contacts/{contactId}"  # type: ignore[attr-defined]
        assert record.location_id == fake.location_id  # type: ignore[attr-defined]
        assert record.elapsed_ms >= 0  # type: ignore[attr-defined]
    [retry] = _records(caplog, logging.INFO)
    assert retry.getMessage().startswith("retrying GET /contacts/{contactId}")
    for record in caplog.records:
        text = record.getMessage() + repr(vars(record))
        assert fake.token not in text
        assert contact_id not in text  # templates, never ids


async def test_a_429_is_logged_as_a_warning_with_the_remaining_budget(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="leadconnector_async")
    clock = Clock()
    limit = FakeRateLimit(max_requests=1, period=0.001)
    seen: list[lc.AttemptInfo] = []

    async def on_attempt(info: lc.AttemptInfo) -> None:
        seen.append(info)
        clock.now += 1.0  # the window has passed by the time the client retries

    async with (
        FakeLeadConnector(rate_limit=limit, clock=clock) as fake,
        _client(fake, on_attempt=on_attempt) as client,
    ):
        contact_id = fake.store.create(fake.location_id, {"firstName": "Bo"})["id"]
        clock.now = 0.0
        await client.contacts.get(contact_id)
        clock.now -= 1.0  # the second call arrives inside the first call's window
        await client.contacts.get(contact_id)
    assert [(i.attempt, i.status) for i in seen] == [(1, 200), (1, 429), (2, 200)]
    assert [i.rate_limit_remaining for i in seen] == [0, 0, 0]
    [warning] = _records(caplog, logging.WARNING)
    assert warning.getMessage().startswith("retrying GET /contacts/{contactId}")
    assert warning.status_code == 429  # type: ignore[attr-defined]
    assert not _records(caplog, logging.INFO)


async def test_hooks_see_every_attempt_and_each_call_outcome(fake: FakeLeadConnector) -> None:
    attempts: list[lc.AttemptInfo] = []
    outcomes: list[lc.CallOutcome] = []

    async def on_attempt(info: lc.AttemptInfo) -> None:
        attempts.append(info)

    async def on_call(outcome: lc.CallOutcome) -> None:
        outcomes.append(outcome)

    fake.force_fault("unavailable")
    async with _client(fake, on_attempt=on_attempt, on_call=on_call) as client:
        created = await client.contacts.create(lc.ContactCreate(first_name="Cy"))
        with pytest.raises(lc.NotFoundError):
            await client.for_location("other").contacts.get("missing")
    assert [(a.method, a.path_template, a.status) for a in attempts] == [
        ("POST", "/contacts/", 503),
        ("POST", "/contacts/", 201),
        ("GET", "/contacts/{contactId}", 400),
    ]
    assert isinstance(attempts[0].error, lc.ServerError)
    assert isinstance(attempts[2].error, lc.NotFoundError)
    first, second = outcomes
    assert (first.attempts, first.status, first.error) == (2, 201, None)
    assert first.location_id == fake.location_id
    assert created.id
    assert (second.attempts, second.status, second.location_id) == (1, 400, "other")
    assert isinstance(second.error, lc.NotFoundError)


async def test_a_failing_hook_is_logged_and_never_fails_the_call(
    fake: FakeLeadConnector, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(outcome: lc.CallOutcome) -> None:
        raise RuntimeError("hook bug")

    async with _client(fake, on_call=broken) as client:
        created = await client.contacts.create(lc.ContactCreate(first_name="Di"))
    assert created.first_name == "Di"
    assert any("request hook" in r.getMessage() for r in _records(caplog, logging.ERROR))


async def test_errors_say_which_call_failed_with_a_short_body_excerpt(
    fake: FakeLeadConnector,
) -> None:
    async with _client(fake) as client:
        with pytest.raises(lc.NotFoundError) as caught:
            await client.contacts.tasks.get("no-such-contact", "t1")
    error = caught.value
    assert (error.method, error.path_template) == ("GET", "/contacts/{contactId}/tasks/{taskId}")
    assert error.status_code == 400
    assert error.body_excerpt is not None
    assert "not found" in error.body_excerpt
    assert len(error.body_excerpt) <= 203
    assert "GET /contacts/{contactId}/tasks/{taskId}" in str(error)


async def test_a_bad_argument_error_names_nothing_sent(fake: FakeLeadConnector) -> None:
    async with _client(fake) as client:
        with pytest.raises(lc.ConfigurationError) as caught:
            await client.contacts.get("")
    assert caught.value.method is None  # refused while building the call: nothing was sent
    assert fake.stats.requests == 0


@pytest.mark.parametrize("trust_env", [False, True])
async def test_proxies_come_from_the_environment_only_with_trust_env(
    fake: FakeLeadConnector, monkeypatch: pytest.MonkeyPatch, trust_env: bool
) -> None:
    contact_id = fake.store.create(fake.location_id, {"firstName": "Ed"})["id"]
    async with FakeLeadConnector() as proxy:
        proxy.store.contacts[contact_id] = {**fake.store.get(contact_id), "firstName": "Proxied"}  # type: ignore[dict-item]
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with _client(fake, trust_env=trust_env) as client:
            contact = await client.contacts.get(contact_id)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with _client(fake, trust_env=trust_env) as client:
            direct = await client.contacts.get(contact_id)
    assert contact.first_name == ("Proxied" if trust_env else "Ed")
    assert (proxy.stats.requests, fake.stats.requests) == ((1, 1) if trust_env else (0, 2))
    assert direct.first_name == "Ed"


PROXY_PASSWORD = "proxy-s3cr3t-pw"


@pytest.mark.parametrize(
    "proxy",
    [
        f"http://user:{PROXY_PASSWORD}/x@127.0.0.1:9",  # an unencoded "/": yarl's error quoted it
        f"socks5://user:{PROXY_PASSWORD}@127.0.0.1:9",  # not a proxy aiohttp speaks
    ],
    ids=["unencoded-slash", "socks"],
)
async def test_a_malformed_proxy_url_is_refused_without_showing_its_password(
    fake: FakeLeadConnector, monkeypatch: pytest.MonkeyPatch, proxy: str
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(Exception) as caught:  # noqa: PT011 - what matters is what it holds
        async with _client(fake, trust_env=True) as client:
            await client.contacts.get("c1")
    assert_secret_unreachable(caught.value, PROXY_PASSWORD)
    assert isinstance(caught.value, lc.ConfigurationError)
    assert "https_proxy" in str(caught.value) or "http_proxy" in str(caught.value)
    assert fake.stats.requests == 0


async def test_a_proxy_named_without_a_scheme_is_used_as_http(
    fake: FakeLeadConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "user:password@host:port", as curl reads it; aiohttp refused it, quoting it whole.
    contact_id = fake.store.create(fake.location_id, {"firstName": "Ed"})["id"]
    async with FakeLeadConnector() as proxy:
        proxy.store.contacts[contact_id] = {**fake.store.get(contact_id), "firstName": "Proxied"}  # type: ignore[dict-item]
        bare = f"user:{PROXY_PASSWORD}@{proxy.url.removeprefix('http://')}"
        monkeypatch.setenv("HTTP_PROXY", bare)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with _client(fake, trust_env=True) as client:
            contact = await client.contacts.get(contact_id)
    assert contact.first_name == "Proxied"
    assert (proxy.stats.requests, fake.stats.requests) == (1, 0)


async def test_a_429_given_up_on_is_a_warning_too(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="leadconnector_async")
    async with (
        FakeLeadConnector(rate_limit=FakeRateLimit(max_requests=1, period=60.0)) as fake,
        _client(fake, retry=lc.RetryPolicy(max_retries=0)) as client,
    ):
        await client.contacts.create(lc.ContactCreate(first_name="Fay"))
        with pytest.raises(lc.RateLimitError):
            await client.contacts.create(lc.ContactCreate(first_name="Gus"))
    [warning] = _records(caplog, logging.WARNING)
    assert warning.getMessage().startswith("POST /contacts/ answered 429 and is not retried")
    assert fake.stats.rate_limited == 1


async def test_a_call_refused_before_sending_reports_no_attempt(fake: FakeLeadConnector) -> None:
    attempts: list[lc.AttemptInfo] = []
    outcomes: list[lc.CallOutcome] = []

    async def on_attempt(info: lc.AttemptInfo) -> None:
        attempts.append(info)

    async def on_call(outcome: lc.CallOutcome) -> None:
        outcomes.append(outcome)

    client = _client(fake, on_attempt=on_attempt, on_call=on_call)
    await client.aclose()
    with pytest.raises(lc.ClientClosedError):
        await client.contacts.get("c1")
    assert attempts == []
    [outcome] = outcomes
    assert (outcome.attempts, outcome.status) == (0, None)
    assert isinstance(outcome.error, lc.ClientClosedError)
    assert fake.stats.requests == 0
