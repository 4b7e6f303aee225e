"""The client a command runs with: the configured account, or the embedded fake server."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TextIO

from .._config import DEFAULT_BASE_URL, RateLimit
from .._environ import TOKEN_VAR
from ..client import LeadConnector
from ..testing import FakeLeadConnector
from .settings import account_from_env


@asynccontextmanager
async def open_client(
    rate_limit: RateLimit | None, *, err: TextIO = sys.stderr
) -> AsyncIterator[LeadConnector]:
    """Yield a client for the account in the environment, or for an embedded fake server.

    Raises:
        ConfigurationError: The environment holds only half an account.
    """
    account = account_from_env()
    if account is not None:
        async with LeadConnector(
            account.token,
            location_id=account.location_id,
            base_url=account.base_url or DEFAULT_BASE_URL,
            rate_limit=rate_limit,
        ) as client:
            yield client
        return
    async with FakeLeadConnector() as fake:
        print(
            f"{TOKEN_VAR} and LEADCONNECTOR_LOCATION_ID are not set: running against the "
            f"embedded fake server at {fake.url} (its data is gone when this command ends)",
            file=err,
        )
        async with LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=rate_limit
        ) as client:
            yield client
