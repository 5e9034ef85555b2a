"""The bench's one clock: every business date ("today"), time of day and time stamp comes from here.

Three layers, each asked through this module and nowhere else:

- the **real clock** (`real_now`, `monotonic`): what the operating system says. X.509 validity (checked by TLS
  peers against their own clock) and durations use it.
- the **process clock** (`now`, `today`, `utcnow`, `timestamp`): the real clock, or a *pin* set by `--clock`,
  the `SIMPHONIE_CLOCK` environment variable or `pinned()` in tests. A pinned clock starts at the pinned instant
  and ticks at the real rate, so durations and time-outs behave; every process started with the same variable
  shares one timeline (the variable carries the real instant the pin was taken).
- the **session clock** (`session_today`): the simulators keep one per test session; a scenario moves it days
  ahead; unset, it is the process clock's today.

Business dates are French: "today" is the date in Europe/Paris (an admission at 00:30 in Paris on 1 January
is a 1 January admission, whatever the server's time zone). Time stamps are aware datetimes.
"""
from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Europe/Paris")
ENVIRONMENT_VARIABLE = "SIMPHONIE_CLOCK"
_SINCE = re.compile(r"^(?P<at>[^@]+?)(?:@(?P<since>\d+(?:\.\d+)?))?$")
_RELATIVE_DAY = re.compile(r"^(?P<sign>[+-])(?P<days>\d{1,5})d$")


class ClockError(ValueError):
    """A clock value that cannot be read; the message says what was received and what is accepted."""


@dataclass(frozen=True, slots=True)
class Pin:
    """The process clock reads `at` at real epoch second `since`, and ticks from there."""

    at: datetime
    since: float

    def now(self, real: float) -> datetime:
        return self.at + timedelta(seconds=real - self.since)

    def spec(self) -> str:
        """The environment form: the same timeline in every process that inherits it."""
        return f"{self.at.isoformat()}@{self.since:.6f}"


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date or date-time; naive values are French local time, a bare date is its midnight."""
    value = str(text).strip()
    try:
        if len(value) == 10:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ClockError(f"clock {text!r} is not an ISO 8601 date or date-time "
                         "(e.g. 2027-01-01 or 2026-12-31T23:59)") from None
    return parsed.replace(tzinfo=BUSINESS_TZ) if parsed.tzinfo is None else parsed


def parse_pin(spec: str, *, real: float | None = None) -> Pin:
    """A pin from `--clock` text or the environment form (`<instant>@<real epoch>`)."""
    match = _SINCE.match(str(spec).strip())
    if not match:
        raise ClockError(f"clock {spec!r} is not an ISO 8601 date or date-time")
    since = float(match["since"]) if match["since"] else (time.time() if real is None else real)
    return Pin(parse_instant(match["at"]), since)


class Clock:
    """The process clock: real, or pinned. One instance per process (`PROCESS`); tests pin it with `pinned()`."""

    def __init__(self, pin: Pin | None = None) -> None:
        self._pin = pin
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls) -> "Clock":
        """The pin of $SIMPHONIE_CLOCK; a pin without its real instant gets one now, written back so the
        processes this one starts share its timeline."""
        spec = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
        if not spec:
            return cls(None)
        found = parse_pin(spec)
        os.environ[ENVIRONMENT_VARIABLE] = found.spec()
        return cls(found)

    @property
    def pin(self) -> Pin | None:
        return self._pin

    def set_pin(self, pin: Pin | None) -> None:
        with self._lock:
            self._pin = pin

    def utcnow(self) -> datetime:
        real = time.time()
        if self._pin is None:
            return datetime.fromtimestamp(real, timezone.utc)
        return self._pin.now(real).astimezone(timezone.utc)

    def now(self) -> datetime:
        return self.utcnow().astimezone(BUSINESS_TZ)

    def today(self) -> date:
        return self.now().date()

    def timestamp(self) -> float:
        real = time.time()
        return real if self._pin is None else self._pin.now(real).timestamp()


PROCESS = Clock.from_environment()


# -- the process clock, for everyone ---------------------------------------------------------------------------
def now() -> datetime:
    """Now, in French local time (aware)."""
    return PROCESS.now()


def utcnow() -> datetime:
    """Now, in UTC (aware): time stamps of messages, journals and reports."""
    return PROCESS.utcnow()


def today() -> date:
    """The business date: today in France, by the process clock."""
    return PROCESS.today()


def timestamp() -> float:
    """Seconds since the epoch by the process clock (journal and store time stamps)."""
    return PROCESS.timestamp()


def stamp(precision: str = "seconds") -> str:
    """`utcnow()` as ISO 8601 text (`seconds` or `milliseconds`)."""
    return utcnow().isoformat(timespec=precision)


def from_timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


# -- the real clock: durations and what other parties check against their own clock -----------------------------
def monotonic() -> float:
    """A monotonic high-resolution counter, for durations and deadlines (never pinned)."""
    return time.perf_counter()


def real_now() -> datetime:
    """The operating system's time (UTC): X.509 validity, which TLS peers check against their own clock."""
    return datetime.fromtimestamp(time.time(), timezone.utc)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


# -- pinning ---------------------------------------------------------------------------------------------------
def pin(when: str | datetime | date | None) -> Pin | None:
    """Pin this process's clock (None: back to the real clock) and export it to child processes."""
    if when is None:
        PROCESS.set_pin(None)
        os.environ.pop(ENVIRONMENT_VARIABLE, None)
        return None
    if isinstance(when, str):
        pinned_at = parse_instant(when)
    elif isinstance(when, datetime):
        pinned_at = when if when.tzinfo else when.replace(tzinfo=BUSINESS_TZ)
    else:
        pinned_at = datetime.combine(when, datetime.min.time(), BUSINESS_TZ)
    new = Pin(pinned_at, time.time())
    PROCESS.set_pin(new)
    os.environ[ENVIRONMENT_VARIABLE] = new.spec()
    return new


@contextlib.contextmanager
def pinned(when: str | datetime | date) -> Iterator[Pin]:
    """Tests: the process clock reads `when` (then ticks) inside the block, and what it was after."""
    previous_pin, previous_env = PROCESS.pin, os.environ.get(ENVIRONMENT_VARIABLE)
    try:
        yield pin(when)  # type: ignore[misc]
    finally:
        PROCESS.set_pin(previous_pin)
        if previous_env is None:
            os.environ.pop(ENVIRONMENT_VARIABLE, None)
        else:
            os.environ[ENVIRONMENT_VARIABLE] = previous_env


# -- the session clock -----------------------------------------------------------------------------------------
def session_today(session_clock: str | None) -> date:
    """A test session's today: the date its clock was moved to, else the process clock's today."""
    return date.fromisoformat(session_clock[:10]) if session_clock else today()


def session_now(session_clock: str | None) -> datetime:
    """A test session's now: its day at the process clock's time of day (time-outs and lead times still tick)."""
    current = now()
    if not session_clock:
        return current
    return datetime.combine(date.fromisoformat(session_clock[:10]), current.timetz())


def resolve_day(value: str | date, reference_day: date) -> date:
    """A scenario's day: `+5d` / `-1d` from the session's reference day, or an ISO date."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = _RELATIVE_DAY.match(text)
    if match:
        days = int(match["days"])
        return reference_day + timedelta(days=days if match["sign"] == "+" else -days)
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ClockError(f"day {value!r} is neither an offset from the reference day (+5d, -1d) "
                         "nor an ISO 8601 date") from None


def is_day(value: str) -> bool:
    """Whether `value` is a day `resolve_day` reads (an offset or an ISO date)."""
    text = str(value).strip()
    if _RELATIVE_DAY.match(text):
        return True
    try:
        date.fromisoformat(text[:10])
        return True
    except ValueError:
        return False
