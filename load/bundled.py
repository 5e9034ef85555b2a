"""The bench's own services for a load run, each in a child process on a free port, stopped when the run ends:
the simulators (`simphonie serve`: gunicorn, several workers, SQLite WAL) and a Caisse-AP payment terminal
(`simphonie terminal --link tcp`)."""
from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class BundledError(RuntimeError):
    """A bundled service did not start; the message ends with the last lines of its log."""


def child_env() -> dict[str, str]:
    """The environment of child processes: this project importable whatever the working directory."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


class ChildServer:
    """A `simphonie` subcommand that prints its address when ready; `with` gives the address."""

    name = "service"
    ready = re.compile(r"(?P<address>\S+)")

    def __init__(self, directory: str | Path, *, startup_timeout: float = 60.0) -> None:
        self.directory = Path(directory)
        self.startup_timeout = startup_timeout
        self.log_path = self.directory / f"{self.name}.log"
        self.address: str | None = None
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w", encoding="utf-8")
        self._process = subprocess.Popen(self.command(), stdout=subprocess.PIPE, stderr=self._log, text=True,
                                         bufsize=1, env=child_env())
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._drain, args=(self._process.stdout, lines), daemon=True).start()
        try:
            while True:
                line = lines.get(timeout=self.startup_timeout)
                if line is None:
                    raise BundledError(f"the {self.name} exited before serving (code {self._process.wait()})"
                                       f"{self._log_tail()}")
                match = self.ready.search(line)
                if match:
                    self.address = match.group("address")
                    return self.address
        except queue.Empty:
            self.stop()
            raise BundledError(f"the {self.name} did not start within {self.startup_timeout:g} s"
                               f"{self._log_tail()}") from None

    def _drain(self, stream: IO[str], lines: queue.Queue[str | None]) -> None:
        """Read the child's stdout to the end (so it never blocks on a full pipe), copying it to the log."""
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
            process.terminate()  # both stop cleanly on SIGTERM (gunicorn's arbiter stops its workers)
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


class BundledSimulators(ChildServer):
    """`with BundledSimulators(directory) as url:` — annuaire and AMC (and DIAPASON) at `url`."""

    name = "simulators"
    ready = re.compile(r"serving .* at (?P<address>https?://\S+)")

    def __init__(self, directory: str | Path, *, workers: int = 2, threads: int = 8, seed: int | None = None,
                 actors: tuple[str, ...] = ("annuaire", "amc"), startup_timeout: float = 60.0) -> None:
        super().__init__(directory, startup_timeout=startup_timeout)
        self.workers, self.threads, self.seed, self.actors = workers, threads, seed, actors

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "conformance.cli", "serve", "--host", "127.0.0.1", "--port", "0",
                   "--workers", str(self.workers), "--threads", str(self.threads), "--no-tls",
                   "--actors", ",".join(self.actors), "--db", str(self.directory / "simulators.sqlite")]
        return command + (["--seed", str(self.seed)] if self.seed is not None else [])


class BundledTerminal(ChildServer):
    """`with BundledTerminal(directory) as "host:port":` — a Caisse-AP terminal over TCP, no cardholder delay."""

    name = "terminal"
    ready = re.compile(r"terminal on tcp at (?P<address>\S+:\d+)")

    def command(self) -> list[str]:
        return [sys.executable, "-m", "conformance.cli", "terminal", "--protocol", "caisse-ap", "--link", "tcp",
                "--host", "127.0.0.1", "--port", "0", "--processing", "0"]
