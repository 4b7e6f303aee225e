"""Shared fixtures: the shipped fake-server fixtures plus a client bound to it."""

pytest_plugins = ["leadconnector_async.testing.fixtures"]
