"""Print the declared floors as exact pins: the package's dependencies and every extra a user
installs (all but the development ones: test, docs, bench).

    python .ci/floors.py > constraints.txt && pip install -c constraints.txt -e '.[test]'

Read from pyproject.toml, so the minimum-versions run can never drift from what is declared.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

DEVELOPMENT_EXTRAS = {"test", "docs", "bench"}
FLOOR = re.compile(r"^([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][^,;\s]*)$")


def floors(pyproject: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    declared = list(project["dependencies"])
    for extra, requirements in project["optional-dependencies"].items():
        if extra not in DEVELOPMENT_EXTRAS:
            declared += requirements
    pins = []
    for requirement in declared:
        match = FLOOR.match(requirement.strip())
        if match is None:
            sys.exit(f"not a plain floor, cannot pin it: {requirement!r}")
        pins.append(f"{match[1]}=={match[2]}")
    return pins


if __name__ == "__main__":
    print("\n".join(floors(Path(__file__).resolve().parent.parent / "pyproject.toml")))
