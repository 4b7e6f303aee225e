"""Acting at a chosen moment of a job: after the fake server has stored so many changes."""

from __future__ import annotations

from collections.abc import Callable

from leadconnector_async.testing import FakeLeadConnector


def after_updates(fake: FakeLeadConnector, count: int, turn: Callable[[], None]) -> None:
    """Call ``turn`` once the server has stored ``count`` contact updates."""
    seen = 0

    async def on_event(event: str, _: dict[str, object]) -> None:
        nonlocal seen
        seen += event == "ContactUpdate"
        if seen == count:
            turn()

    fake.subscribe(on_event)
