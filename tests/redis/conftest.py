"""A real ``redis-server`` on a free loopback port, started by the suite (never a fake)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from leadconnector_async.testing._redis_server import REDIS_SERVER, RedisServer

__all__ = ["RedisServer"]


def _started() -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; CI installs it)")
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """One server shared by a test module; tests keep apart by key prefix."""
    yield from _started()


@pytest.fixture
def own_redis_server() -> Iterator[RedisServer]:
    """A server of this test's own, which the test may stop."""
    yield from _started()


@pytest.fixture
def key_prefix(request: pytest.FixtureRequest) -> str:
    """Redis keys of this test only."""
    return f"test:{request.node.name}"
