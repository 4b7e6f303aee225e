"""Count a benchmark child's instructions with valgrind's callgrind (start-up included)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from typing import Any


def require_valgrind() -> None:
    """Exit with a clear message when valgrind is not installed."""
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt install valgrind)")


def counted(module: str, spec: list[Any]) -> int:
    """Instructions callgrind counts for ``python -m module --child <spec as JSON>``."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    command += [sys.executable, "-m", module, "--child", json.dumps(spec)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind reported no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_get(module: str, few: int, many: int, before: list[Any], after: list[Any]) -> float:
    """Instructions one get costs: the count for a child sending ``many`` gets less the count
    for one sending ``few``, per extra get (start-up cancels out). The child's spec is
    ``[*before, gets, *after]``."""
    counts = [counted(module, [*before, gets, *after]) for gets in (few, many)]
    return (counts[1] - counts[0]) / (many - few)
