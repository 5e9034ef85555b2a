"""A serial line (a tty device or a pty side) read and written with poll(), not select().

select() refuses descriptors above 1024, which a busy process reaches quickly (the bench's request threads,
sockets, SQLite files); poll() has no such limit. Used by the reference GAP's Concert link on device paths,
and by the bundled desk terminals on their pty masters.
"""
from __future__ import annotations

import os
import select
import termios
import tty

_SPEEDS = {rate: getattr(termios, f"B{rate}") for rate in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)}


class PolledPort:
    """The `Port` of hardware_emulator.transports.pump (read with a timeout, write all) over one descriptor."""

    def __init__(self, fd: int, *, owned: bool = False) -> None:
        self.fd = fd
        self._owned = owned
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)

    def read(self, timeout: float) -> bytes | None:
        """Up to 4 KiB within `timeout`; b"" when nothing came, None when the line is gone."""
        try:
            events = self._poll.poll(max(0, int(timeout * 1000)))
        except OSError:
            return None
        if not events:
            return b""
        try:
            return os.read(self.fd, 4096)
        except BlockingIOError:
            return b""
        except OSError:  # EIO on a pty master whose slave is closed: nothing to read for now
            return b""

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        out = select.poll()
        out.register(self.fd, select.POLLOUT)
        while view:
            if out.poll(1000):
                try:
                    view = view[os.write(self.fd, view):]
                except BlockingIOError:
                    continue

    def close(self) -> None:
        if self._owned:
            try:
                os.close(self.fd)
            except OSError:
                pass


def open_serial_path(path: str, baud: int = 9600) -> PolledPort:
    """Open a tty device (or a pty slave) raw at `baud`, non-blocking; OSError if it cannot be opened."""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        tty.setraw(fd)
        attributes = termios.tcgetattr(fd)
        attributes[4] = attributes[5] = _SPEEDS.get(baud, termios.B9600)
        termios.tcsetattr(fd, termios.TCSANOW, attributes)
    except termios.error:
        pass  # not a tty (a FIFO in a test): raw bytes all the same
    return PolledPort(fd, owned=True)
