"""Parse + validate time per ROC message of the bench-roc-1 samples: lxml (the hot path) against xmlschema.

Also times the codec (decode, encode) and the whole server-side path for a SOAP request (hardened parse,
envelope, lxml validation, decode). Nothing is asserted: `make bench` prints the figures.

    python -m bench.profile_bench [--seconds 0.2]
"""
from __future__ import annotations

import argparse
from typing import Callable

from simulators import clock
from simulators.profiles import load_profile
from simulators.roc import decode, encode
from simulators.soap import envelope, parse_envelope
from simulators.xml import parse_xml

HOT_PATH_TARGET_US = 28.0  # lxml validation of a ~3 KB message measured when the profile was written


def per_call_us(work: Callable[[], object], seconds: float) -> float:
    """Mean time of one call in microseconds, over enough calls to fill about `seconds`."""
    work()  # warm up (lazy compilation, caches)
    calls, started = 0, clock.monotonic()
    batch = 1
    while True:
        for _ in range(batch):
            work()
        calls += batch
        elapsed = clock.monotonic() - started
        if elapsed >= seconds:
            return elapsed / calls * 1e6
        batch = min(batch * 2, 4096)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.2, help="time spent per measurement")
    args = parser.parse_args(argv)
    from xmlschema import XMLResource

    profile = load_profile()
    xmlschema = profile.xmlschema
    samples = sorted((profile.root / "samples").glob("*-*.xml"))
    bare = [path for path in samples if path.name.count(".") == 1]
    print(f"profile {profile.name} {profile.version}: {len(bare)} messages, {args.seconds} s per measurement")
    print(f"{'message':<22}{'bytes':>7}{'parse µs':>10}{'lxml µs':>10}{'xmlschema µs':>14}{'ratio':>8}"
          f"{'decode µs':>11}{'encode µs':>11}{'SOAP path µs':>14}")
    lxml_times: list[tuple[int, float]] = []
    for path in bare:
        data = path.read_bytes()
        element = parse_xml(data)
        message = decode(element, profile)
        soap = envelope("1.1", encode(message, profile))
        parse = per_call_us(lambda: parse_xml(data), args.seconds)
        fast = per_call_us(lambda: profile.validate(element), args.seconds)
        slow = per_call_us(lambda: xmlschema.is_valid(XMLResource(element, allow="none")), args.seconds)
        dec = per_call_us(lambda: decode(element, profile), args.seconds)
        enc = per_call_us(lambda: encode(message, profile), args.seconds)

        def server_path() -> None:
            body = parse_envelope(soap, "text/xml; charset=utf-8").body
            profile.validate(body)
            decode(body, profile)

        full = per_call_us(server_path, args.seconds)
        lxml_times.append((len(data), fast))
        print(f"{path.stem:<22}{len(data):>7}{parse:>10.1f}{fast:>10.1f}{slow:>14.1f}{slow / fast:>7.0f}x"
              f"{dec:>11.1f}{enc:>11.1f}{full:>14.1f}")
    biggest_size, biggest_time = max(lxml_times)
    print(f"lxml validation of the largest message ({biggest_size} bytes): {biggest_time:.1f} µs "
          f"(reference when the profile was written: about {HOT_PATH_TARGET_US:.0f} µs per 3 KB message)")


if __name__ == "__main__":
    main()
