"""The bench's own simulators for a load run: `simphonie serve` (gunicorn, several workers, SQLite WAL) in a
child process on a free port, stopped when the run ends."""
from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

_READY = re.compile(r"serving .* at (https?://\S+)")


class BundledError(RuntimeError):
    """The simulators did not start; the message ends with the last lines of their log."""


class BundledSimulators:
    """`with BundledSimulators(directory) as url:` — annuaire and AMC at `url` until the block ends."""

    def __init__(self, directory: str | Path, *, workers: int = 2, threads: int = 8, seed: int | None = None,
                 startup_timeout: float = 60.0) -> None:
        self.directory = Path(directory)
        self.workers = workers
        self.threads = threads
        self.seed = seed
        self.startup_timeout = startup_timeout
        self.log_path = self.directory / "simulators.log"
        self.url: str | None = None
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "conformance.cli", "serve", "--host", "127.0.0.1", "--port", "0",
                   "--workers", str(self.workers), "--threads", str(self.threads), "--no-tls",
                   "--actors", "annuaire,amc", "--db", str(self.directory / "simulators.sqlite")]
        return command + (["--seed", str(self.seed)] if self.seed is not None else [])

    def start(self) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w", encoding="utf-8")
        self._process = subprocess.Popen(self.command(), stdout=subprocess.PIPE, stderr=self._log, text=True,
                                         bufsize=1)
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._drain, args=(self._process.stdout, lines), daemon=True).start()
        try:
            while True:
                line = lines.get(timeout=self.startup_timeout)
                if line is None:
                    raise BundledError(f"the simulators exited before serving (code {self._process.wait()})"
                                       f"{self._log_tail()}")
                match = _READY.search(line)
                if match:
                    self.url = match.group(1)
                    return self.url
        except queue.Empty:
            self.stop()
            raise BundledError(f"the simulators did not start within {self.startup_timeout:g} s"
                               f"{self._log_tail()}") from None

    def _drain(self, stream: IO[str], lines: queue.Queue[str | None]) -> None:
        """Read the server's stdout to the end (so it never blocks on a full pipe), copying it to the log."""
        for line in stream:
            lines.put(line)
            try:
                if self._log is not None:
                    self._log.write(line)
                    self._log.flush()
            except ValueError:  # the log was closed by stop()
                pass
        lines.put(None)

    def _log_tail(self, count: int = 15) -> str:
        if self._log and not self._log.closed:
            self._log.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        tail = text.strip().splitlines()[-count:]
        return ("; last lines of " + str(self.log_path) + ":\n  " + "\n  ".join(tail)) if tail else ""

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()  # gunicorn's arbiter stops its workers gracefully on SIGTERM
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if self._log is not None:
            self._log.close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
