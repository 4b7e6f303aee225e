"""Acceptance: four worker processes, one location, one fake server, one Redis.

The fake (its own process) allows 20 requests in any 0.5 s, counted per token as the real API
counts per app and location; every worker upserts its own rows with the same token.
"""

from __future__ import annotations

from typing import Any

from tests.redis.conftest import RedisServer
from tests.redis.processes import PERIOD, RATE, WorkerRun, fake_server_process, run_workers

WORKERS, ROWS = 4, 60
ALLOWED_RATE = RATE / PERIOD


async def test_workers_sharing_redis_use_the_budget_without_a_single_429(
    redis_server: RedisServer, key_prefix: str
) -> None:
    async with fake_server_process() as fake:
        extra = ["--redis", redis_server.url, "--key-prefix", key_prefix]
        run = await run_workers(fake, workers=WORKERS, rows=ROWS, extra=extra)
    assert run.failed == []
    assert run.ok == WORKERS * ROWS
    assert fake.stats["rate_limited"] == 0
    assert fake.stats["statuses"] == {"200": WORKERS * ROWS}  # each row sent exactly once
    assert fake.stats["contacts"] == fake.stats["distinct_emails"] == WORKERS * ROWS


async def test_workers_with_in_process_limiters_overrun_the_shared_budget() -> None:
    # Why the Redis limiter exists: each worker believes the whole budget is its own.
    async with fake_server_process() as fake:
        run = await run_workers(fake, workers=WORKERS, rows=ROWS, extra=["--max-retries", "50"])
    assert run.failed == []
    assert fake.stats["rate_limited"] > WORKERS * ROWS // 4
    assert fake.stats["contacts"] == fake.stats["distinct_emails"] == WORKERS * ROWS


STOP_AFTER = RATE + 10  # rows done when Redis is stopped: past the first window


async def run_with_redis_stopped(
    server: RedisServer, key_prefix: str, extra: list[str]
) -> tuple[WorkerRun, dict[str, Any]]:
    """Four workers of 40 rows sharing ``server``, which stops after ``STOP_AFTER`` rows and
    a window's worth (``RATE``) after every worker finished one.

    A worker learns how many share the location from Redis's answers to its own calls, so
    every worker must have called after the last one joined; on a loaded machine one worker
    may start half a second after the others, who would otherwise count three.
    """
    all_in_at: list[int] = []  # rows done when every worker had finished one

    def stop_redis(done: list[int]) -> None:
        if not all_in_at and min(done) > 0:
            all_in_at.append(sum(done))
        if all_in_at and sum(done) == max(STOP_AFTER, all_in_at[0] + RATE):
            server.stop()

    async with fake_server_process() as fake:
        run = await run_workers(
            fake,
            workers=WORKERS,
            rows=40,
            on_row=stop_redis,
            extra=["--redis", server.url, "--key-prefix", key_prefix, *extra],
        )
    assert all(log.count("Redis is unreachable") == 1 for log in run.logs), run.logs
    return run, fake.stats


async def test_redis_stopping_mid_run_fails_the_rest_before_sending(
    own_redis_server: RedisServer, key_prefix: str
) -> None:
    run, stats = await run_with_redis_stopped(own_redis_server, key_prefix, [])
    assert run.ok + len(run.failed) == WORKERS * 40
    assert STOP_AFTER <= run.ok < WORKERS * 40
    assert set(run.failed) == {"RateLimiterUnavailableError"}
    # A failed row was never sent: the fake stored exactly the rows reported done.
    assert stats["contacts"] == stats["distinct_emails"] == run.ok
    assert stats["rate_limited"] == 0


async def test_redis_stopping_mid_run_falls_back_to_a_local_share(
    own_redis_server: RedisServer, key_prefix: str
) -> None:
    # No --local-share: each worker keeps to 1 / the workers Redis said were sharing (a quarter).
    local = ["--on-unavailable", "local"]
    run, stats = await run_with_redis_stopped(own_redis_server, key_prefix, local)
    assert run.failed == []
    assert all(result["degraded"] for result in run.results)
    assert all("keeps to 25% of the rate limit" in log for log in run.logs), run.logs
    assert stats["contacts"] == stats["distinct_emails"] == WORKERS * 40
    assert stats["rate_limited"] == 0
    # The local shares together keep to the limit: no faster than the shared budget.
    assert run.rate <= ALLOWED_RATE * 1.1
