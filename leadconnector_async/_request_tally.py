"""Counting one job's own requests and 429s, whatever else shares the client's pool.

The client adds every request it sends to the tally of the running context, if there is one.
A job gives each of its tasks a context holding its tally::

    tally = RequestTally()
    task = asyncio.create_task(worker(), context=tally.context())

so two jobs running at once on one client each count only their own requests (retries and 429s
included), while ``client.request_counts`` still counts the whole pool.
"""

from __future__ import annotations

import contextvars

# The tally of the running context, if a job set one (``CURRENT_TALLY.get()``).
CURRENT_TALLY: contextvars.ContextVar[RequestTally | None] = contextvars.ContextVar(
    "leadconnector_request_tally", default=None
)


class RequestTally:
    """Requests sent and 429s received by the calls made in contexts carrying this tally.

    Attributes:
        sent: HTTP requests sent, every retry included.
        rate_limited: How many of them the server answered with 429.
    """

    __slots__ = ("rate_limited", "sent")

    def __init__(self) -> None:
        self.sent = 0
        self.rate_limited = 0

    def context(self) -> contextvars.Context:
        """A copy of the current context in which calls count into this tally."""
        context = contextvars.copy_context()
        context.run(CURRENT_TALLY.set, self)
        return context

    def __repr__(self) -> str:
        return f"RequestTally(sent={self.sent}, rate_limited={self.rate_limited})"
