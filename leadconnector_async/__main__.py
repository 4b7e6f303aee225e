"""Command line: ``python -m leadconnector_async demo`` (also installed as ``leadconnector``)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ._demo import run_demo


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="leadconnector", description="LeadConnector Contacts API client."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="round trip against the embedded fake server")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return asyncio.run(run_demo(sys.stdout))
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
