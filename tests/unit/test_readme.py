"""README commands and examples are the ones CI runs and they work as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _commands() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", README, re.DOTALL)
    assert block is not None
    return [ln for ln in block.group(1).splitlines() if ln and not ln.startswith("#")]


def test_readme_opens_with_the_two_commands() -> None:
    install_and_run, check = _commands()
    assert "python -m leadconnector_async" in install_and_run
    assert "pytest" in check
    assert "mypy --strict" in check


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert _commands()[1] in ci.splitlines()


# A Python block, and the output it states when "It prints:" and a text block follow it.
_EXAMPLE = re.compile(r"```python\n(.*?)```(?:\n\nIt prints:\n\n```text\n(.*?)```)?", re.DOTALL)


def test_python_examples_run_as_written(tmp_path: Path) -> None:
    runnable = [(code, said) for code, said in _EXAMPLE.findall(README) if "asyncio.run(" in code]
    assert runnable
    assert any(said for _, said in runnable), "no example states its output"
    for number, (code, said) in enumerate(runnable):
        script = tmp_path / f"example_{number}.py"
        script.write_text(code)
        done = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip(), f"example {number} printed nothing"
        if said:
            assert done.stdout == said, f"example {number} printed what the README does not say"
