"""How ``compare.py`` shows its results: figures per client, ratios against issue 10's targets."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from benchmarks._results import machine

CONCURRENCY = 64
PAGE = 100


@dataclass(frozen=True)
class Ratio:
    """A ratio of two clients' figures, per round; with a bound when issue 10 sets one."""

    label: str
    workload: str
    figure: str
    of: str
    to: str
    at_least: float | None = None
    at_most: float | None = None


RATIOS = (
    Ratio(
        "sequential CPU per call, ours / bare aiohttp",
        "sequential",
        "cpu_us",
        "ours",
        "aiohttp",
        at_most=1.3,
    ),
    Ratio(
        "sequential CPU per call, SDK / ours", "sequential", "cpu_us", "sdk", "ours", at_least=4.0
    ),
    Ratio(
        "requests/s at 64, ours / bare aiohttp",
        "concurrent",
        "rate",
        "ours",
        "aiohttp",
        at_least=0.8,
    ),
    Ratio("requests/s at 64, ours / SDK", "concurrent", "rate", "ours", "sdk", at_least=10.0),
    Ratio(
        "decode CPU per contact, SDK model / ours", "decode", "cpu_us", "sdk", "ours", at_least=5.0
    ),
    Ratio(
        "decode CPU per contact, pydantic's fastest path / ours",
        "decode",
        "cpu_us",
        "pydantic_json",
        "ours",
    ),
    Ratio(
        "concurrent CPU per request, ours / bare aiohttp", "concurrent", "cpu_us", "ours", "aiohttp"
    ),
    Ratio(
        "sequential CPU per call, ours with limiter / bare aiohttp",
        "sequential",
        "cpu_us",
        "ours_limited",
        "aiohttp",
    ),
    Ratio(
        "requests/s at 64, ours with limiter / bare aiohttp",
        "concurrent",
        "rate",
        "ours_limited",
        "aiohttp",
    ),
    Ratio(
        "concurrent CPU per request, ours with limiter / bare aiohttp",
        "concurrent",
        "cpu_us",
        "ours_limited",
        "aiohttp",
    ),
    Ratio(
        "with rate-limit headers: sequential CPU per call, ours with limiter / bare aiohttp",
        "sequential",
        "cpu_us",
        "ours_headers",
        "aiohttp_headers",
        at_most=1.05,
    ),
    Ratio(
        "with rate-limit headers: requests/s at 64, ours with limiter / bare aiohttp",
        "concurrent",
        "rate",
        "ours_headers",
        "aiohttp_headers",
        at_least=0.9,
    ),
    Ratio(
        "with rate-limit headers: CPU per request at 64, ours with limiter / bare aiohttp",
        "concurrent",
        "cpu_us",
        "ours_headers",
        "aiohttp_headers",
        at_most=1.10,
    ),
    Ratio("walk contacts/s, ours / bare aiohttp", "walk", "rate", "ours", "aiohttp"),
    Ratio("walk contacts/s, ours / SDK", "walk", "rate", "ours", "sdk"),
    Ratio("walk peak RSS, SDK / ours", "walk", "peak_rss_mb", "sdk", "ours"),
)


@dataclass
class Sample:
    """One timed run: how many units (calls, contacts) in how much wall and CPU time."""

    count: int
    wall: float
    cpu: float
    peak_rss_mb: float = 0.0
    start_rss_mb: float = 0.0

    @property
    def rss_growth_mb(self) -> float:
        return self.peak_rss_mb - self.start_rss_mb

    @property
    def cpu_us(self) -> float:
        return self.cpu / self.count * 1e6

    @property
    def wall_us(self) -> float:
        return self.wall / self.count * 1e6

    @property
    def rate(self) -> float:
        return self.count / self.wall


Results = dict[tuple[str, str], list[Sample]]


NAMES = {"ours": "leadconnector_async", "sdk": "official SDK", "aiohttp": "bare aiohttp"}
COLUMNS = {
    **NAMES,
    "ours_limited": "leadconnector_async, limiter on",
    "ours_headers": "limiter on, server sends X-RateLimit-*",
    "aiohttp_headers": "bare aiohttp, server sends X-RateLimit-*",
}
DECODER_NAMES = {
    "ours": "msgspec into `lc.Contact` structs",
    "sdk": "`json.loads` + pydantic `GetContactByIdSchemaV3.model_validate`",
    "aiohttp": "`json.loads` (plain dicts, the floor)",
}
ROWS = (  # (workload, figure, label, format)
    ("sequential", "wall_us", "sequential get: wall µs per call", "{:,.0f}"),
    ("sequential", "cpu_us", "sequential get: client CPU µs per call", "{:,.0f}"),
    ("concurrent", "rate", f"concurrent get ({CONCURRENCY} in flight): requests/s", "{:,.0f}"),
    (
        "concurrent",
        "cpu_us",
        f"concurrent get ({CONCURRENCY} in flight): client CPU µs per request",
        "{:,.0f}",
    ),
    ("decode", "cpu_us", f"decode a {PAGE}-contact search page: CPU µs per contact", "{:,.2f}"),
    ("walk", "rate", "walk search pages: contacts/s", "{:,.0f}"),
    ("walk", "cpu_us", "walk search pages: client CPU µs per contact", "{:,.1f}"),
    ("walk", "peak_rss_mb", "walk search pages: peak RSS of the client process, MB", "{:,.0f}"),
    ("walk", "rss_growth_mb", "walk search pages: RSS growth during the walk, MB", "{:,.1f}"),
)


def spread(values: list[float], fmt: str) -> str:
    """``median (min-max)`` of the per-round values."""
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{fmt.format(mid)} ({fmt.format(low)}-{fmt.format(high)})"


def figures_table(results: Results) -> list[str]:
    lines = [
        "| figure: median (min-max) over rounds | " + " | ".join(COLUMNS.values()) + " |",
        "|---|" + "---:|" * len(COLUMNS),
    ]
    for workload, figure, label, fmt in ROWS:
        if not any((workload, key) in results for key in COLUMNS):
            continue
        cells = [
            spread([getattr(s, figure) for s in results[workload, key]], fmt)
            if (workload, key) in results
            else "-"
            for key in COLUMNS
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def ratios_table(results: Results) -> list[str]:
    lines = [
        "| ratio of the same round's figures: median (min-max) | measured | target | met |",
        "|---|---:|---:|---|",
    ]
    for ratio in RATIOS:
        if (ratio.workload, ratio.of) not in results:
            continue
        pairs = zip(
            results[ratio.workload, ratio.of], results[ratio.workload, ratio.to], strict=True
        )
        values = [getattr(a, ratio.figure) / getattr(b, ratio.figure) for a, b in pairs]
        lines.append(f"| {ratio.label} | {spread(values, '{:.2f}')} | {_verdict(ratio, values)} |")
    return lines


def _verdict(ratio: Ratio, values: list[float]) -> str:
    """``target | met`` cells: ``- | -`` for a ratio shown for information only."""
    median = statistics.median(values)
    if ratio.at_least is not None:
        return f"≥ {ratio.at_least:g} | {'yes' if median >= ratio.at_least else '**no**'}"
    if ratio.at_most is not None:
        return f"≤ {ratio.at_most:g} | {'yes' if median <= ratio.at_most else '**no**'}"
    return "- | -"


def environment() -> str:
    names = ("leadconnector-async", "gohighlevel-api-client", "httpx", "pydantic")
    peers = ", ".join(f"{name} {_version_of(name)}" for name in names)
    return f"{machine()}; {peers}; {os.cpu_count()} cores"


NOTES = """\
What the figures mean:
- Sequential get: one `contacts.get` (or the equivalent) after another; wall µs per call
  includes the server's time, client CPU µs per call is the client's own overhead.
- Concurrent get: 64 calls kept in flight for the run; requests/s is largely bounded by the server
  (one Python process on the other core), so CPU µs per request shows the client's cost.
- Decode: the fake's first 100-contact `POST /contacts/search` page, decoded over and over
  ({decoders}).
- Walk: one fresh client process per run pages through every contact (100 per page, each
  next page asked for with the last contact's `searchAfter`); peak RSS includes the
  interpreter and imports (the benchmark module imports leadconnector_async in every child).
- The fake server runs in its own process with its rate limit off; CPU figures are the
  client process's own (`time.process_time`), so the server's cost is not counted.
- None of the three limits its own rate here, so they do the same work: leadconnector_async
  (`rate_limit=None`) runs its pipeline (retry loop, error mapping, typed `lc.Contact` results);
  the official SDK (`gohighlevel-api-client`, httpx) returns `response.json()` dicts, pointed at
  the fake by a subclass (`BASE_URL`, `API_VERSION`); bare aiohttp is one session and
  `json.loads`: the floor. "Ours with limiter" is the default set-up, its limiter sized so it
  never waits: those rows show what the limiter's bookkeeping costs per request.
- The two "server sends X-RateLimit-*" columns race against a second fake that enforces a limit
  no run reaches, so every response carries the API's five rate-limit headers: ours (limiter
  on, reading and applying them on every response) against bare aiohttp on the same server.
  Issue 16's targets: sequential CPU ≤ 1.05x, CPU per request at 64 ≤ 1.10x, requests/s ≥ 0.9x.
- Ratios are taken within each round (same seconds, same machine load), then the median over
  rounds; read them rather than absolute figures. The machine (2 cores) is shared with other
  engineers' test runs while this runs: the Noise line above says how far single rounds
  strayed, and the (min-max) ranges show where.
"""


def noise(results: Results) -> str:
    """How far single rounds strayed from their medians: the machine's noise in this run."""
    widest: dict[bool, tuple[float, str]] = {True: (0.0, "-"), False: (0.0, "-")}
    for workload, figure, label, _ in ROWS:
        for key, name in COLUMNS.items():
            values = [getattr(s, figure) for s in results.get((workload, key), [])]
            if not values:
                continue
            middle = statistics.median(values)
            stray = max(abs(value / middle - 1) for value in values)
            is_cpu = "cpu" in figure
            if stray > widest[is_cpu][0]:
                widest[is_cpu] = (stray, f"{label}, {name}")
    (cpu, cpu_where), (other, other_where) = widest[True], widest[False]
    return (
        f"Noise: a single round strayed at most {cpu:.0%} from its median in the CPU figures "
        f"({cpu_where}) and {other:.0%} in the others ({other_where})."
    )


def _version_of(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "(not installed)"


def report(results: Results, command: str, load: tuple[float, float]) -> str:
    """The Markdown section: command, machine, figures, ratios against the targets, notes."""
    decoders = "; ".join(f"{NAMES[key]}: {how}" for key, how in DECODER_NAMES.items())
    return "\n".join(
        [
            f"Command: `{command}`",
            "",
            f"Machine: {environment()}",
            "",
            f"Load average (1 min) before / after: {load[0]:.2f} / {load[1]:.2f}. {noise(results)}",
            "",
            *figures_table(results),
            "",
            *ratios_table(results),
            "",
            NOTES.format(decoders=decoders),
        ]
    )
