"""The command line as a terminal user meets it: progress in place, quick --help."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios
from pathlib import Path

from ._cli import PYTHON, cli, fake_server, write_csv


def _run_on_terminal(args: list[str], env: dict[str, str], columns: int) -> tuple[str, str]:
    """Run with stderr on a pseudo-terminal ``columns`` wide; returns (stdout, terminal)."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    run = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=child, text=True)
    os.close(child)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child side closed: the command ended
            break
        if not chunk:
            break
        seen += chunk
    os.close(main)
    out, _ = run.communicate(timeout=60)
    assert run.returncode == 1, seen
    return out, seen.decode()


def test_progress_is_one_line_redrawn_in_place_within_80_columns(tmp_path: Path) -> None:
    """Three rows fail on reading and two at the API (duplicates): each is counted once."""
    source = write_csv(tmp_path / "in.csv", 300, bad={3: "nope", 7: "x@", 9: "y@"})
    existing = tmp_path / "existing.csv"
    existing.write_text("email\nperson10@example.com\nperson20@example.com\n")
    with fake_server() as env:
        assert cli(env, "import", str(existing)).returncode == 0
        args = [
            PYTHON,
            "-m",
            "leadconnector_async",
            "import",
            str(source),
            "--create",
            "--rate-limit",
            "50/0.5",
        ]
        out, terminal = _run_on_terminal(args, env, columns=80)
    assert "rejected 5" in out
    lines = terminal.replace("\r\n", "\n").split("\n")
    drawn = [ln for ln in lines if "\r" in ln]
    assert len(drawn) == 1, terminal  # every redraw of the progress stays on one line
    frames = [re.sub(r"\x1b\[K", "", f) for f in drawn[0].split("\r") if f]
    assert len(frames) >= 3, frames  # redrawn several times in place
    assert all(len(f) <= 79 for f in frames), max(frames, key=len)
    assert frames[-1].startswith("[########################] 300/300 rows, 5 rejected")


def test_help_imports_neither_the_client_nor_its_dependencies() -> None:
    """``--help`` stays quick because it loads no HTTP, decoding or event-loop modules."""
    probe = (
        "import sys, runpy; sys.argv = ['leadconnector', '--help']\n"
        "try:\n    runpy.run_module('leadconnector_async', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('aiohttp', 'msgspec', 'asyncio')"
        " or m.endswith('.client')))"
    )
    done = subprocess.run([PYTHON, "-c", probe], capture_output=True, text=True, check=True)
    assert "usage: leadconnector" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"
