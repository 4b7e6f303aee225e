"""The command line: ``leadconnector import|export|demo`` (or ``python -m leadconnector_async``).

Exit codes: 0 every row ok, 1 some rows failed, 2 usage or configuration error, 130 interrupted.
The token comes only from ``LEADCONNECTOR_TOKEN`` or the file named by
``LEADCONNECTOR_TOKEN_FILE`` (never an argument: it would show in ``ps``); without a token and
``LEADCONNECTOR_LOCATION_ID`` the commands run against the embedded fake server.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .._config import RateLimit
from ..errors import ConfigurationError, LeadConnectorError
from .rows import ImportFileError

EXIT_OK, EXIT_ROWS_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _rate_limit(text: str) -> RateLimit:
    """``100/10`` -> 100 requests per 10 seconds."""
    try:
        count, _, seconds = text.partition("/")
        return RateLimit(max_requests=int(count), period=float(seconds or 10))
    except (ValueError, ConfigurationError) as exc:
        raise argparse.ArgumentTypeError(f"expected REQUESTS/SECONDS like 100/10: {exc}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadconnector",
        description="Import and export LeadConnector contacts (token from LEADCONNECTOR_TOKEN).",
    )
    parser.add_argument(
        "--rate-limit",
        type=_rate_limit,
        default=RateLimit(),
        metavar="N/SECONDS",
        help="requests allowed per window (default 100/10, the published limit)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser("import", help="upsert (or create) contacts from CSV or NDJSON")
    imp.add_argument("file", type=Path)
    imp.add_argument("--create", action="store_true", help="create instead of upsert")
    imp.add_argument("--resume", action="store_true", help="continue an interrupted import")
    imp.add_argument("--rejects", type=Path, help="where rejected rows go (FILE.rejects.csv)")
    imp.add_argument("--tag-delimiter", default=";", help="separates tags in a CSV cell")
    imp.add_argument("--concurrency", type=int, default=20)
    exp = commands.add_parser("export", help="stream every contact to NDJSON or CSV")
    exp.add_argument("out", type=Path, help="*.ndjson / *.jsonl for NDJSON, else CSV")
    exp.add_argument("--query", help="full-text search (at most 75 characters)")
    exp.add_argument("--tag", action="append", default=[], help="only contacts with this tag")
    exp.add_argument("--email", help="only the contact with this email")
    commands.add_parser("demo", help="import, search and export the bundled sample on the fake")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(_dispatch(args, sys.stdout, sys.stderr))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except (ConfigurationError, ImportFileError) as exc:
        print(f"leadconnector: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LeadConnectorError as exc:
        print(f"leadconnector: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ROWS_FAILED


async def _dispatch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .demo import run_demo
    from .export_cmd import ExportOptions, run_export
    from .import_cmd import ImportOptions, run_import
    from .session import open_client

    if args.command == "demo":
        return await run_demo(out, err)
    async with open_client(args.rate_limit, err=err) as client:
        if args.command == "import":
            options = ImportOptions(args.file, args.create, args.resume, args.rejects,
                                    args.tag_delimiter, args.concurrency)  # fmt: skip
            return await run_import(client, options, out, err)
        export = ExportOptions(args.out, args.query, tuple(args.tag), args.email)
        return await run_export(client, export, out, err)
