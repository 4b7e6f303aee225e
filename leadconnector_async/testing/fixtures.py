"""Pytest fixtures for code that uses the client: a started fake server and a client for it.

pytest finds them by itself once ``leadconnector-async[testing]`` is installed (the package
registers a pytest plugin); they need pytest-asyncio, which that extra brings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from ..client import LeadConnector
from ._server import FakeLeadConnector


@pytest_asyncio.fixture
async def fake_leadconnector() -> AsyncIterator[FakeLeadConnector]:
    """A started fake server on a free loopback port, stopped after the test."""
    async with FakeLeadConnector() as fake:
        yield fake


@pytest_asyncio.fixture
async def leadconnector_client(
    fake_leadconnector: FakeLeadConnector,
) -> AsyncIterator[LeadConnector]:
    """A client for the fake server's default token and location (rate limit off)."""
    async with LeadConnector(
        fake_leadconnector.token,
        location_id=fake_leadconnector.location_id,
        base_url=fake_leadconnector.url,
        rate_limit=None,
    ) as client:
        yield client
