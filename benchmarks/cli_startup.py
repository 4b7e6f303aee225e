"""The command line's start-up cost: ``leadconnector --help`` against Python doing nothing.

    python -m benchmarks.cli_startup [--rounds 30]

Each round runs ``python -c pass`` and ``python -m leadconnector_async --help`` (and, for
reference, ``python -c "import leadconnector_async.client"``, what a command that talks to the
API needs), interleaved, and reads each child's CPU time (user + system) from
``resource.getrusage(RUSAGE_CHILDREN)``. The figure that matters is the median extra CPU over
bare Python: the interpreter time ``--help`` costs beyond Python's own start.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys

from benchmarks._results import machine, write_section

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "leadconnector --help": [sys.executable, "-m", "leadconnector_async", "--help"],
    "import leadconnector_async.client": [
        sys.executable,
        "-c",
        "import leadconnector_async.client",
    ],
}


def cpu_of(command: list[str]) -> float:
    """CPU seconds (user + system) one run of ``command`` took."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.rounds):
        for name, command in COMMANDS.items():
            samples[name].append(cpu_of(command))
    bare = statistics.median(samples["python -c pass"])
    rows = ["| command | median CPU (ms) | beyond bare Python (ms) |", "|---|---:|---:|"]
    for name, values in samples.items():
        median = statistics.median(values)
        rows.append(f"| `{name}` | {median * 1000:.0f} | {(median - bare) * 1000:.0f} |")
    load = os.getloadavg()[0]
    body = "\n".join(
        [
            f"`python -m benchmarks.cli_startup --rounds {args.rounds}` ({machine()}; load average "
            f"{load:.1f}). Child CPU time (user + system), median of {args.rounds} interleaved "
            "rounds.",
            "",
            *rows,
            "",
            "`--help` imports only the standard library and the version: the package's names are "
            "imported on first use (PEP 562) and each command imports what it needs when it runs.",
        ]
    )
    print(body)
    write_section("Command line start-up", body)


if __name__ == "__main__":
    main()
