"""A sync's choices and limits: the cheaper plan, today's budget, the rate, argument checks."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .._job_options import check_job_options
from .._phones import is_region
from ..errors import ConfigurationError, RateLimitError
from ..models.sync import SyncPlan
from ._read import PAGE_SIZE

if TYPE_CHECKING:
    from ..client import LeadConnector
    from ._engine import SyncSettings

__all__ = ["budget_error", "check_arguments", "choose_plan", "rate", "requests_left"]

PUBLISHED_RATE = 100 / 10.0
"""Requests per second the API allows a location (used when the client does not limit)."""


def choose_plan(
    location_size: int | None, rows: int | None, by_custom_field: bool
) -> tuple[SyncPlan, str]:
    """``direct`` when reading the rest of the location costs more requests than upserting
    every row (the first page, already read, sized it); otherwise ``diff``. A custom-field
    match always reads: upsert cannot find a contact by a custom field."""
    if rows is None or location_size is None or by_custom_field:
        return "diff", ""
    pages = math.ceil(location_size / PAGE_SIZE)
    if pages - 1 <= rows:
        return "diff", ""
    return "direct", (
        f"reading the location ({location_size} contacts, {pages} requests) would cost more "
        f"than writing every row ({rows} upserts), so every row is upserted directly"
    )


def requests_left(client: LeadConnector, location_id: str) -> int | None:
    """Requests left today for the location: the server's figure and the client's own daily
    budget, whichever is lower (``None``: neither is known)."""
    status = client.rate_limit_status(location_id)
    limit = client.config.rate_limit
    known = []
    server = status.server if status is not None else None
    if server is not None and server.daily_remaining is not None:
        known.append(server.daily_remaining)
    if status is not None and limit is not None and limit.daily is not None:
        known.append(limit.daily - status.daily_used)
    return max(0, min(known)) if known else None


def rate(client: LeadConnector) -> float:
    """Requests per second the client sends at most to one location."""
    limit = client.config.rate_limit
    return limit.max_requests / limit.period if limit is not None else PUBLISHED_RATE


def budget_error(location_id: str, left: int) -> RateLimitError:
    """The ``stopped_by`` of a sync whose writes exceed today's budget."""
    return RateLimitError(
        f"daily request budget: the writes this sync needs exceed the {left} requests left "
        f"today for location {location_id!r}; it wrote what fit. Run it again (or resume from "
        "the result's checkpoint) once the budget resets",
        status_code=None,
    )


def check_arguments(rows: object, settings: SyncSettings) -> None:
    """Raise :class:`ConfigurationError` for a bad argument, before anything is sent.

    The options a sync shares with bulk jobs are checked by the same rule as theirs.
    """
    check_job_options(
        rows,
        concurrency=settings.concurrency,
        start_at=settings.start_at,
        progress_interval=settings.progress_interval,
        tag_chunk_size=settings.tag_chunk_size,
    )
    match = settings.match
    name, _, reference = match.partition(":")
    if match not in ("email", "phone") and not (name == "custom" and reference.strip()):
        raise ConfigurationError(
            f"match must be 'email', 'phone' or 'custom:<field id, key or name>', got {match!r}"
        )
    if settings.tags not in ("add", "replace"):
        raise ConfigurationError(f"tags must be 'add' or 'replace', got {settings.tags!r}")
    region = settings.default_region
    if region is not None and not (isinstance(region, str) and is_region(region)):
        raise ConfigurationError(
            f"default_region must be a country code phone numbers know (e.g. 'US', 'GB'), "
            f"got {region!r}"
        )
