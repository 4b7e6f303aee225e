"""The command line: ``leadconnector import|sync|export|demo`` (``python -m leadconnector_async``).

Exit codes: 0 ok; 1 some rows were rejected (see the rejects file), or for ``export`` some records
the server sent could not be read (the rest are written); 2 usage or configuration
error (nothing was sent); 3 stopped by a job-level failure (server unreachable, token refused,
daily budget spent); 4 a file of the command's own (rejects, journal, export) could not be
written under way (disk full); 130 interrupted; 141 standard output closed before
``export -`` wrote it all (``export - | head``). After 3, 4 or 130 an import's progress is
saved for ``--resume``, a sync is run again, and an export writes no file (each command's
``--help``). An output that cannot be written at all is found before anything is sent (2).

The token comes only from ``LEADCONNECTOR_TOKEN`` or the file named by
``LEADCONNECTOR_TOKEN_FILE`` (never an argument: it would show in ``ps``), the location from
``LEADCONNECTOR_LOCATION_ID``. Without them ``import``, ``sync`` and ``export`` stop with exit
2; only ``demo`` or an explicit ``--fake`` runs against the embedded fake server.

This module imports only the standard library: each command imports what it needs when it
runs, so ``--help`` stays quick.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from .exit_codes import EXIT_FILE, EXIT_INTERRUPTED, EXIT_PIPE_CLOSED, EXIT_STOPPED, EXIT_USAGE

_EXIT_CODES = """exit codes:
  0    ok
  1    some rows were rejected (listed in the rejects file with line and reason)
  2    usage or configuration error (nothing was sent)
  3    stopped: server unreachable, token refused or daily budget spent (progress saved)
  4    the rejects file or the journal could not be written under way (disk full): fix
       that, then rerun with --resume
  130  interrupted (progress saved; rerun with --resume)"""
_SYNC_EXIT_CODES = """exit codes:
  0    ok
  1    some rows were rejected (listed in the rejects file with line and reason)
  2    usage or configuration error (nothing was sent)
  3    stopped: server unreachable, token refused or daily budget spent (run the same sync
       again: rows already written compare equal)
  4    the rejects file could not be written under way (disk full): fix that, then run
       the same sync again
  130  interrupted (run the same sync again)"""
_EXPORT_EXIT_CODES = """exit codes:
  0    ok
  1    OUT is written, but some records the server sent could not be read (no id) and are
       not in it (the summary counts them)
  2    usage or configuration error (nothing was sent)
  3    stopped: server unreachable, token refused, daily budget spent or a listing the
       server broke off; OUT is not written (a file already there is left as it was)
  4    OUT could not be written under way (disk full); OUT is not written
  130  interrupted; OUT is not written
  141  standard output closed before the export was written (export - | head)"""


def _rate_limit(text: str) -> Any:
    """``100/10`` -> 100 requests per 10 seconds."""
    from .._config import RateLimit
    from ..errors import ConfigurationError

    try:
        count, _, seconds = text.partition("/")
        return RateLimit(max_requests=int(count), period=float(seconds or 10))
    except (ValueError, ConfigurationError) as exc:
        raise argparse.ArgumentTypeError(f"expected REQUESTS/SECONDS like 100/10: {exc}") from None


def _delimiter(text: str) -> str:
    """``--delimiter``: one character; ``\\t`` or ``tab`` for a tab (what a shell passes for
    ``'\\t'``: the two characters)."""
    delimiter = "\t" if text == "\\t" or text.lower() == "tab" else text
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise argparse.ArgumentTypeError(
            f"expected one character (not a quote or a line break), or \\t or tab: {text!r}"
        )
    return delimiter


def _global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """Options accepted before or after the command (the command's copy never overrides a
    value given before it with its default)."""
    unset = argparse.SUPPRESS
    parser.add_argument(
        "--rate-limit",
        type=_rate_limit,
        default=None if defaults else unset,
        metavar="N/SECONDS",
        help="requests allowed per window (default 100/10, the published limit)",
    )
    parser.add_argument(
        "--fake",
        action="store_true",
        default=False if defaults else unset,
        help="run against an embedded fake server (its data is gone when the command ends)",
    )


def build_parser() -> argparse.ArgumentParser:
    from .._version import __version__

    parser = argparse.ArgumentParser(
        prog="leadconnector",
        description="Import and export LeadConnector contacts (token from LEADCONNECTOR_TOKEN, "
        "location from LEADCONNECTOR_LOCATION_ID).",
        epilog=_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _global_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _import_parser(commands)
    _sync_parser(commands)
    exp = commands.add_parser(
        "export",
        help="stream every contact to NDJSON or CSV",
        epilog=_EXPORT_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    exp.add_argument("out", help="*.ndjson / *.jsonl for NDJSON, else CSV; - for CSV on stdout")
    exp.add_argument("--query", help="full-text search (at most 75 characters)")
    exp.add_argument("--tag", action="append", default=[], help="only contacts with this tag")
    exp.add_argument("--email", help="only the contact with this email")
    _global_options(exp, defaults=False)
    demo = commands.add_parser(
        "demo", help="import, sync and export the bundled sample on an embedded fake server"
    )
    demo.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="folder for the demo's files (created if missing; default: a new temporary folder)",
    )
    _global_options(demo, defaults=False)
    return parser


def _import_parser(commands: Any) -> None:
    imp = _file_command(
        commands, "import", "upsert (or create) contacts from CSV or NDJSON", _EXIT_CODES
    )
    imp.add_argument("--create", action="store_true", help="create instead of upsert")
    imp.add_argument("--resume", action="store_true", help="continue an interrupted import")
    imp.add_argument(
        "--journal",
        type=Path,
        metavar="PATH",
        help="where progress is saved (default FILE.journal, beside FILE; a --resume must "
        "name the same)",
    )
    imp.add_argument(
        "--restart",
        action="store_true",
        help="discard an interrupted import's progress and start from the top",
    )


def _sync_parser(commands: Any) -> None:
    sync = _file_command(
        commands,
        "sync",
        "make contacts what a CSV or NDJSON file says, writing only what differs",
        _SYNC_EXIT_CODES,
    )
    sync.add_argument(
        "--dry-run",
        action="store_true",
        help="read and compare, report what a real run would do, write nothing",
    )
    sync.add_argument(
        "--match",
        default="email",
        metavar="email|phone|custom:FIELD",
        help="how rows find their contact (default email)",
    )


def _file_command(
    commands: Any, name: str, summary: str, exit_codes: str
) -> argparse.ArgumentParser:
    """A command that reads a contact file (``import``, ``sync``), with the options they share."""
    command: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, epilog=exit_codes, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    command.add_argument("file", type=Path)
    command.add_argument(
        "--tags",
        choices=("add", "replace"),
        default="add",
        help="add the row's tags to a matched contact's (default), or replace them",
    )
    _reading_options(command)
    command.add_argument("--rejects", type=Path, help="where rejected rows go (FILE.rejects.csv)")
    command.add_argument("--concurrency", type=int, default=20)
    _global_options(command, defaults=False)
    return command


def _reading_options(parser: argparse.ArgumentParser) -> None:
    """How a contact file is read (``import`` and ``sync`` alike)."""
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help='name a column\'s field: --map "Plan Name=custom:plan", '
        '--map "Notes=-" leaves a column out',
    )
    parser.add_argument(
        "--delimiter",
        type=_delimiter,
        help="CSV delimiter, one character; \\t or tab for a tab (default: sniffed from the "
        "header)",
    )
    parser.add_argument("--encoding", help="file encoding (default: BOM, else UTF-8, else cp1252)")
    parser.add_argument(
        "--tag-delimiter",
        default=",;",
        help="characters that separate tags in a cell (default ',;')",
    )
    parser.add_argument(
        "--default-region",
        metavar="CC",
        help="read phone numbers without +<country code> as this country's and send them in "
        "E.164 (e.g. US, GB); without it they are sent as written, for the API to read in the "
        "location's country",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    import asyncio

    from ..errors import ConfigurationError, LeadConnectorError
    from .columns import ImportFileError

    saved = {
        "import": "; progress is saved: rerun with --resume",
        "sync": "; run the sync again: rows already written compare equal",
    }.get(args.command, "")
    try:
        return asyncio.run(_dispatch(args, sys.stdout, sys.stderr))
    except KeyboardInterrupt:
        print(f"leadconnector: interrupted{saved}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ConfigurationError, ImportFileError) as exc:
        print(f"leadconnector: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LeadConnectorError as exc:
        print(f"leadconnector: stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_STOPPED
    except BrokenPipeError:
        # Whoever read standard output stopped (export - | head): end quietly, as Unix tools
        # do. Standard output now goes nowhere, or flushing it at exit would raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE_CLOSED
    except OSError as exc:
        # A file failed under way: most often one of our own (rejects, journal, export) when
        # the disk filled up or went read-only (one that cannot be written at all was refused
        # before), rarely the input, as when its drive goes away: the message names the file.
        where = f": {exc.filename}" if exc.filename else ""
        print(
            f"leadconnector: file error: {exc.strerror or exc}{where}{saved}",
            file=sys.stderr,
        )
        return EXIT_FILE


async def _dispatch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.command == "demo":
        from .demo import run_demo

        return await run_demo(out, err, args.out, args.rate_limit)
    from .session import open_client

    if args.command == "sync":
        from .import_cmd import read_options
        from .sync_cmd import SyncCommand, check_sync, run_sync

        command = SyncCommand(
            args.file,
            args.dry_run,
            args.match,
            args.tags,
            args.rejects,
            args.concurrency,
            read_options(args),
        )
        check_sync(command)
        async with open_client(args.rate_limit, fake=args.fake, err=err) as client:
            return await run_sync(client, command, out, err)
    if args.command == "import":
        from .import_cmd import check_import, options_from_args, run_import

        options = options_from_args(args)
        check_import(options)
        async with open_client(args.rate_limit, fake=args.fake, err=err) as client:
            return await run_import(client, options, out, err)
    from .export_cmd import ExportOptions, run_export

    export = ExportOptions.from_args(args)
    async with open_client(args.rate_limit, fake=args.fake, err=err) as client:
        return await run_export(client, export, out, err)
