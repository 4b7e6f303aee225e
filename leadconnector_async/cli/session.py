"""The client a command runs with: the configured account, or an embedded fake when asked."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TextIO

from .._config import DEFAULT_BASE_URL, RateLimit
from ..client import LeadConnector
from ..errors import AuthenticationError, NotFoundError, PermissionDeniedError
from ..models.custom_fields import CustomField
from .settings import account_from_env


@asynccontextmanager
async def open_client(
    rate_limit: RateLimit | None, *, fake: bool = False, err: TextIO = sys.stderr
) -> AsyncIterator[LeadConnector]:
    """Yield a client for the account in the environment, or for an embedded fake server.

    Args:
        rate_limit: The window to keep to (``None``: the published 100 per 10 s).
        fake: Run against an embedded fake server instead (said on ``err``).

    Raises:
        ConfigurationError: No account is configured (and ``fake`` was not asked for).
    """
    rate_limit = rate_limit or RateLimit()
    if not fake:
        account = account_from_env()
        async with LeadConnector(
            account.token,
            location_id=account.location_id,
            base_url=account.base_url or DEFAULT_BASE_URL,
            rate_limit=rate_limit,
        ) as client:
            yield client
        return
    from ..testing import FakeLeadConnector
    from ..testing._seed import seed_custom_fields

    async with FakeLeadConnector() as server:
        seed_custom_fields(server.custom_fields, server.location_id)
        print(
            f"--fake: running against an embedded fake server at {server.url} (its data is "
            "gone when this command ends)",
            file=err,
        )
        async with LeadConnector(
            server.token,
            location_id=server.location_id,
            base_url=server.url,
            rate_limit=rate_limit,
        ) as client:
            yield client


async def custom_field_definitions(client: LeadConnector, err: TextIO) -> list[CustomField] | None:
    """The location's contact custom fields, or ``None`` (said on ``err``) when the token may
    not read them: custom field columns then go by key or id only."""
    try:
        return await client.locations.custom_fields("contact")
    except (AuthenticationError, PermissionDeniedError, NotFoundError) as exc:
        print(
            f"note: custom field definitions unavailable ({type(exc).__name__}: {exc}); "
            "custom field columns go by key or id",
            file=err,
        )
        return None
