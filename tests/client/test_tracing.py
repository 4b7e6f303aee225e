"""OpenTelemetry: one span per call with the HTTP semantic-convention attributes and retries
as events, seen through the SDK's in-memory exporter; nothing imported without the extra."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector

FAST_RETRY = lc.RetryPolicy(max_retries=3, backoff_base=0.001, backoff_max=0.001)


class _Switchable(SimpleSpanProcessor):
    """Exports only while a test here collects, so spans of other tests are not kept."""

    collecting = False

    def on_end(self, span: ReadableSpan) -> None:
        if self.collecting:
            super().on_end(span)


_EXPORTER = InMemorySpanExporter()
_PROCESSOR = _Switchable(_EXPORTER)
_INSTALLED: list[TracerProvider] = []


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # the global provider can be set only once
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    if provider not in _INSTALLED:
        provider.add_span_processor(_PROCESSOR)
        _INSTALLED.append(provider)
    _EXPORTER.clear()
    _PROCESSOR.collecting = True
    yield _EXPORTER
    _PROCESSOR.collecting = False
    _EXPORTER.clear()


async def test_one_span_per_call_with_semantic_attributes_and_retry_events(
    spans: InMemorySpanExporter,
) -> None:
    async with FakeLeadConnector() as fake:
        contact_id = fake.store.create(fake.location_id, {"firstName": "Ann"})["id"]
        async with lc.LeadConnector(
            fake.token,
            location_id=fake.location_id,
            base_url=fake.url,
            rate_limit=None,
            retry=FAST_RETRY,
        ) as client:
            fake.force_fault("unavailable", count=2)
            await client.contacts.get(contact_id)
            with pytest.raises(lc.NotFoundError):
                await client.contacts.delete("missing")
    ok, failed = spans.get_finished_spans()
    assert ok.name == "GET /contacts/{contactId}"
    assert ok.kind == trace.SpanKind.CLIENT
    assert ok.instrumentation_scope is not None
    assert ok.instrumentation_scope.name == "leadconnector_async"
    assert dict(ok.attributes or {}) == {
        "http.request.method": "GET",
        "url.template": "/contacts/{contactId}",
        "server.address": "127.0.0.1",
        "server.port": int(fake.url.rsplit(":", 1)[1]),
        "leadconnector.location_id": fake.location_id,
        "http.response.status_code": 200,
        "http.request.resend_count": 2,
        "leadconnector.retry_count": 2,
    }
    assert [event.name for event in ok.events] == ["retry", "retry"]
    assert [dict(e.attributes or {})["error.type"] for e in ok.events] == ["503", "503"]
    assert ok.status.status_code == trace.StatusCode.UNSET
    assert failed.name == "DELETE /contacts/{contactId}"
    assert (failed.attributes or {})["http.response.status_code"] == 400
    assert (failed.attributes or {})["error.type"] == "400"
    assert "http.request.resend_count" not in (failed.attributes or {})  # sent once
    assert failed.status.status_code == trace.StatusCode.ERROR
    assert contact_id not in repr([ok.to_json(), failed.to_json()])
    assert fake.token not in repr([ok.to_json(), failed.to_json()])


async def test_the_call_span_is_current_while_it_runs(spans: InMemorySpanExporter) -> None:
    seen: list[str] = []

    async def on_attempt(info: lc.AttemptInfo) -> None:
        span = trace.get_current_span()
        seen.append(getattr(span, "name", ""))

    tracer = trace.get_tracer("app")
    async with (
        FakeLeadConnector() as fake,
        lc.LeadConnector(
            fake.token,
            location_id=fake.location_id,
            base_url=fake.url,
            rate_limit=None,
            on_attempt=on_attempt,
        ) as client,
    ):
        with tracer.start_as_current_span("request handler"):
            await client.contacts.create(lc.ContactCreate(first_name="Bo"))
    assert seen == ["POST /contacts/"]
    call, handler = spans.get_finished_spans()
    assert call.parent is not None
    assert call.parent.span_id == handler.context.span_id


async def test_calls_gathered_leave_the_callers_current_span_as_it_was(
    spans: InMemorySpanExporter,
) -> None:
    tracer = trace.get_tracer("app")
    async with (
        FakeLeadConnector() as fake,
        lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
        ) as client,
    ):
        contact_id = fake.store.create(fake.location_id, {"firstName": "Di"})["id"]
        call: lc.Call[None] = lc.Call("GET", f"/contacts/{contact_id}")
        with tracer.start_as_current_span("request handler") as handler:
            # client.send() builds each coroutine here; each runs in a task of its own.
            await asyncio.gather(client.send(call), client.send(call))
            assert trace.get_current_span() is handler  # no call span left attached here
    first, second, outer = spans.get_finished_spans()
    assert outer.name == "request handler"
    for span in (first, second):
        assert span.parent is not None
        assert span.parent.span_id == outer.context.span_id


_WITHOUT_OTEL = """
import asyncio, sys
sys.modules["opentelemetry"] = None  # as if the otel extra were not installed
import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector

async def main():
    async with FakeLeadConnector() as fake, lc.LeadConnector(
        fake.token, location_id=fake.location_id, base_url=fake.url
    ) as client:
        contact = await client.contacts.create(lc.ContactCreate(first_name="Cy"))
        print(contact.first_name)

asyncio.run(main())
"""


def test_calls_work_without_opentelemetry() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_OTEL],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Cy"


def test_importing_the_package_imports_no_opentelemetry() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import leadconnector_async"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
    assert "leadconnector_async" in imported
    assert not [name for name in imported if name.startswith("opentelemetry")]
