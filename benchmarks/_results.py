"""Write one benchmark's section of benchmarks/RESULTS.md, leaving the other sections alone."""

from __future__ import annotations

import platform
import re
import sys
from importlib.metadata import version
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
INTRO = "# Benchmark results\n\nEach section is rewritten by the script named in it.\n"


def machine() -> str:
    """One line naming the machine and the versions measured."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    libs = ", ".join(f"{n} {version(n)}" for n in ("aiohttp", "msgspec"))
    return f"{cpu}; Python {sys.version.split()[0]}; {libs}"


def write_section(heading: str, body: str) -> None:
    """Replace (or append) the ``## heading`` section of RESULTS.md with ``body``."""
    text = RESULTS.read_text() if RESULTS.exists() else INTRO
    section = f"## {heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text.rstrip("\n") + "\n")
