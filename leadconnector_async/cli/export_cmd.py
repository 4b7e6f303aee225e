"""``leadconnector export OUT``: stream every matching contact to NDJSON or CSV, memory flat."""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..client import LeadConnector
from ..models.search import Filter
from .exit_codes import EXIT_OK, EXIT_REJECTS
from .output import ContactWriter
from .paths import check_output
from .progress import ProgressDisplay
from .session import custom_field_definitions

_PAGE_SIZE = 500


@dataclass(frozen=True)
class ExportOptions:
    """What ``export`` was asked to do; ``out`` is ``None`` for CSV on stdout."""

    out: Path | None
    query: str | None = None
    tags: tuple[str, ...] = ()
    email: str | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ExportOptions:
        """The options the command line was given.

        Raises:
            ConfigurationError: The output cannot be written (no such folder, a folder, a
                read-only folder).
        """
        out = None if args.out == "-" else Path(args.out)
        check_output(out)
        return cls(out, args.query, tuple(args.tag), args.email)

    def filters(self) -> list[Filter]:
        """The search filters these options stand for (all must hold)."""
        found = [Filter("tags", "contains", tag) for tag in self.tags]
        if self.email:
            found.append(Filter("email", "eq", self.email))
        return found


async def run_export(
    client: LeadConnector, options: ExportOptions, out: TextIO, err: TextIO
) -> int:
    """Write every contact the options select to ``options.out``; returns the exit code: 0, or
    1 when the server sent records that could not be read (no ``id``): they are not in the
    file, and the summary says how many."""
    before = client.request_counts
    # The search is built (its query and filters checked) before any request is sent.
    contacts = client.contacts.search(
        options.query, filters=options.filters() or None, page_size=_PAGE_SIZE, read_ahead=True
    )
    definitions = await custom_field_definitions(client, err) or []
    display = ProgressDisplay(err)
    started = time.monotonic()
    # A failed write ends the walk: ``async with`` cancels the page being read ahead.
    async with contacts:
        with ContactWriter(options.out, custom_fields=definitions) as writer:
            async for contact in contacts:
                writer.write(contact)
                if writer.count % _PAGE_SIZE == 0:
                    elapsed = time.monotonic() - started
                    rate_limited = client.request_counts.rate_limited - before.rate_limited
                    display.show(writer.count, None, 0, writer.count / elapsed, None, rate_limited)
    display.finish()
    elapsed = time.monotonic() - started
    rate = writer.count / elapsed if elapsed > 0 else 0.0
    where = options.out if options.out is not None else "stdout"
    summary = out if options.out is not None else err  # stdout holds the CSV itself
    counts = client.request_counts
    print(
        f"exported: {writer.count} contacts to {where} in {elapsed:.1f}s ({rate:.0f} contacts/s), "
        f"requests {counts.sent - before.sent}, 429s {counts.rate_limited - before.rate_limited}",
        file=summary,
    )
    if contacts.left_out:
        print(
            f"left out: {contacts.left_out} records the server sent could not be read (no id) "
            f"and are not in {where}; the warnings above name what was wrong with them",
            file=err,
        )
        return EXIT_REJECTS
    return EXIT_OK
