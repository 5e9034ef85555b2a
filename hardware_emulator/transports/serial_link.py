"""A real serial port, or anything pyserial opens by URL (`socket://`, `rfc2217://`, `spy://`, `/dev/ttyUSB0`)."""
from __future__ import annotations

import serial


class SerialPort:
    def __init__(self, url: str, baud: int = 9600, *, seven_e_one: bool = False) -> None:
        options = dict(bytesize=serial.SEVENBITS, parity=serial.PARITY_EVEN) if seven_e_one else {}
        try:
            self.serial = serial.serial_for_url(url, baudrate=baud, timeout=0.05, **options)
        except (serial.SerialException, ValueError) as error:
            raise OSError(f"cannot open serial URL {url!r}: {error}") from None
        self.url = url

    def read(self, timeout: float) -> bytes | None:
        try:
            self.serial.timeout = timeout
            data = self.serial.read(1)
            if data and self.serial.in_waiting:
                data += self.serial.read(self.serial.in_waiting)
            return data
        except serial.SerialException:  # socket:// peer gone, device unplugged
            return None

    def write(self, data: bytes) -> None:
        try:
            self.serial.write(data)
        except serial.SerialException as error:
            raise OSError(str(error)) from None

    def close(self) -> None:
        self.serial.close()
