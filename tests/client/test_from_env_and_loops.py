"""``LeadConnector.from_env`` and a client used from an event loop it was not opened on."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

import pytest

import leadconnector_async as lc
from leadconnector_async.cli.settings import account_from_env
from leadconnector_async.testing import FakeLeadConnector


async def test_from_env_reads_token_location_and_base_url(
    fake_leadconnector: FakeLeadConnector,
) -> None:
    env = {
        "LEADCONNECTOR_TOKEN": fake_leadconnector.token,
        "LEADCONNECTOR_LOCATION_ID": fake_leadconnector.location_id,
        "LEADCONNECTOR_BASE_URL": fake_leadconnector.url,
    }
    async with lc.LeadConnector.from_env(env, rate_limit=None) as client:
        created = await client.contacts.create(lc.ContactCreate(first_name="Env"))
    assert client.location_id == fake_leadconnector.location_id
    stored = fake_leadconnector.store.contacts[created.id]
    assert stored["locationId"] == fake_leadconnector.location_id


def test_from_env_reads_the_token_file_and_arguments_win(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("file-token\n")
    env = {"LEADCONNECTOR_TOKEN_FILE": str(secret), "LEADCONNECTOR_LOCATION_ID": "from-env"}
    client = lc.LeadConnector.from_env(env, location_id="explicit")
    assert client.location_id == "explicit"
    assert client.config.base_url == "https://services.leadconnectorhq.com"
    assert "file-token" not in repr(client)


async def test_a_token_file_written_with_a_utf8_bom_gives_the_token_without_it(
    fake_leadconnector: FakeLeadConnector, tmp_path: Path
) -> None:
    secret = tmp_path / "token"  # as Windows editors save it: BOM, token, CRLF
    secret.write_bytes(b"\xef\xbb\xbf" + fake_leadconnector.token.encode() + b"\r\n")
    env = {
        "LEADCONNECTOR_TOKEN_FILE": str(secret),
        "LEADCONNECTOR_LOCATION_ID": fake_leadconnector.location_id,
        "LEADCONNECTOR_BASE_URL": fake_leadconnector.url,
    }
    assert account_from_env(env).token == fake_leadconnector.token  # the command line's reading
    async with lc.LeadConnector.from_env(env, rate_limit=None) as client:
        created = await client.contacts.create(lc.ContactCreate(first_name="Bom"))
    assert created.id in fake_leadconnector.store.contacts


def test_from_env_without_a_token_says_which_variable() -> None:
    with pytest.raises(lc.ConfigurationError, match="LEADCONNECTOR_TOKEN"):
        lc.LeadConnector.from_env({"LEADCONNECTOR_LOCATION_ID": "loc"})
    with pytest.raises(lc.ConfigurationError, match="cannot read LEADCONNECTOR_TOKEN_FILE"):
        lc.LeadConnector.from_env({"LEADCONNECTOR_TOKEN_FILE": "/nonexistent/token"})


def test_a_token_file_that_is_not_utf8_is_a_configuration_error_without_its_content(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "token"
    secret.write_bytes(b"pit-s3cr3t-\xff\xfe-token\n")
    env = {"LEADCONNECTOR_TOKEN_FILE": str(secret), "LEADCONNECTOR_LOCATION_ID": "loc"}
    with pytest.raises(lc.ConfigurationError, match="not UTF-8") as raised:
        lc.LeadConnector.from_env(env)
    assert str(secret) in str(raised.value)
    assert "s3cr3t" not in str(raised.value)
    assert "0xff" not in str(raised.value)
    # nothing chained to it holds the file's bytes (a UnicodeDecodeError keeps them all)
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None


def test_a_client_reused_on_a_second_event_loop_raises_a_clear_error() -> None:
    opened: dict[str, object] = {}

    async def first_run() -> None:
        async with FakeLeadConnector() as fake:
            client = lc.LeadConnector(fake.token, location_id=fake.location_id, base_url=fake.url)
            await client.contacts.create(lc.ContactCreate(first_name="A"))
            opened.update(client=client, fake=fake)

    async def second_run(client: lc.LeadConnector) -> None:
        with pytest.raises(lc.ConfigurationError, match="another event loop"):
            await client.contacts.get("anything")
        with pytest.raises(lc.ConfigurationError, match="another event loop"):
            async with client:
                pass
        await client.aclose()

    asyncio.run(first_run())
    client = opened["client"]
    assert isinstance(client, lc.LeadConnector)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no aiolimiter "re-used across loops" warning either
        asyncio.run(second_run(client))
    assert client.request_counts.sent == 1
    assert client.closed


async def test_a_client_called_from_another_threads_loop_while_its_own_runs_raises() -> None:
    # Its own loop is running (this test's) and has a task in it (this one): a call from a
    # loop in another thread must still be refused, not taken for one on the client's loop.
    async with FakeLeadConnector() as fake:
        client = lc.LeadConnector(fake.token, location_id=fake.location_id, base_url=fake.url)
        async with client:
            await client.contacts.create(lc.ContactCreate(first_name="A"))
            outcome: list[BaseException | None] = []

            def other_thread() -> None:
                async def call() -> None:
                    await client.contacts.get("anything")

                try:
                    asyncio.run(call())
                except BaseException as error:  # (handed to the test to check)
                    outcome.append(error)
                else:
                    outcome.append(None)

            await asyncio.to_thread(other_thread)
            assert isinstance(outcome[0], lc.ConfigurationError)
            assert "another event loop" in str(outcome[0])
            assert client.request_counts.sent == 1
            assert fake.stats.requests == 1
