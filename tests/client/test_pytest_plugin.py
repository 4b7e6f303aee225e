"""The shipped fixtures reach a user's project through the pytest11 entry point alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

USER_TEST = """
import pytest

import leadconnector_async as lc


@pytest.mark.asyncio
async def test_my_code(fake_leadconnector, leadconnector_client):
    created = await leadconnector_client.contacts.create(lc.ContactCreate(first_name="U"))
    assert created.id in fake_leadconnector.store.contacts
"""


def test_a_project_without_conftest_gets_the_fixtures(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
