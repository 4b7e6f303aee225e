"""The pytest plugin (entry point ``pytest11``): the fake-server fixtures, with nothing to add.

Installed with ``pip install 'leadconnector-async[testing]'``, pytest finds the fixtures
``fake_leadconnector`` and ``leadconnector_client`` by itself. They are async fixtures, so they
are registered only when pytest-asyncio (which the ``testing`` extra brings) is installed: a
project with the client but without pytest-asyncio keeps a working pytest.
"""

from __future__ import annotations

import importlib
import importlib.util

import pytest

FIXTURES = "leadconnector_async.testing.fixtures"


def pytest_configure(config: pytest.Config) -> None:
    """Register the fixtures module once pytest's configuration is known."""
    manager = config.pluginmanager
    if importlib.util.find_spec("pytest_asyncio") is None or manager.has_plugin(FIXTURES):
        return
    manager.register(importlib.import_module(FIXTURES), FIXTURES)
