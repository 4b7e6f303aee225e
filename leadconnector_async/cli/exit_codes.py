"""The command line's exit codes, one set for every command (each command's ``--help`` lists
the ones it uses)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_REJECTS = 1  # import, sync: some rows rejected; export: some records could not be read
EXIT_USAGE = 2  # usage or configuration error: nothing was sent
EXIT_STOPPED = 3  # a job-level failure stopped the command
EXIT_FILE = 4  # a file of our own could not be written once under way (disk full)
EXIT_INTERRUPTED = 130
EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE, what a Unix tool's shell reports when its reader left
