"""A real ``redis-server`` on a free loopback port, for tests and benchmarks of the Redis limiter.

Never a fake: the limiter's Lua scripts, expiries and reconnects run against the real server.
Started without persistence; :meth:`RedisServer.stop` simulates an outage and
:meth:`RedisServer.restart` ends it on the same port.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from types import TracebackType

REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    """One ``redis-server`` subprocess; a context manager that starts and stops it."""

    def __init__(self) -> None:
        self.port = 0
        self._process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start on a free port; returns itself.

        Raises:
            RuntimeError: ``redis-server`` is not installed, or did not start.
        """
        if REDIS_SERVER is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        for _ in range(5):  # a free port can be taken between choosing and binding it
            self.port = _free_port()
            if self._try_start():
                return self
        raise RuntimeError("redis-server did not start on any of 5 free ports")

    def restart(self) -> None:
        """Start again on the same port after :meth:`stop` (clients reconnect to it)."""
        if not self._try_start():
            raise RuntimeError(f"redis-server could not start again on port {self.port}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            process.wait(timeout=10)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _try_start(self) -> bool:
        assert REDIS_SERVER is not None
        command = [
            REDIS_SERVER,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            "",
        ]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        for line in process.stdout:  # ends at EOF if redis-server exits (port taken)
            if "Ready to accept connections" in line:
                self._process = process
                # Keep reading its log so a full pipe never blocks the server.
                threading.Thread(target=process.stdout.read, daemon=True).start()
                return True
        process.wait()
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
