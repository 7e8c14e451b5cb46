"""Time per date of ``parse_date`` on a few thousand field values of each kind.

Run from the repository root:

    python -m benchmarks.dates_bench [--n 2000]

Each kind gets ``n`` random values (a quarter of that for the kinds dateparser reads); the
first value of a kind is parsed once before timing, so that dateparser's locale loading is
not counted (it is reported apart). "dateparser alone" times ``dateparser.parse`` with
samestory's settings on the same values: the cost the fast paths avoid.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import time
from collections.abc import Callable

from clustering.reading.dates import _SETTINGS, DateError, parse_date

FR = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
TR = "Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık"
AZ = "yanvar fevral mart aprel may iyun iyul avqust sentyabr oktyabr noyabr dekabr"


def _values(kind: str, n: int, rng: random.Random) -> list[tuple[object, str | None]]:
    def one(i: int) -> tuple[object, str | None]:
        d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2000, 2026)
        hour, minute = rng.randint(0, 23), rng.randint(0, 59)
        seconds = rng.randint(946684800, 1770000000)
        return {
            "ISO with offset": (f"{y}-{m:02d}-{d:02d}T{hour:02d}:{minute:02d}:00+03:00", None),
            "epoch s (string)": (str(seconds), None),
            "epoch ms (integer)": (seconds * 1000, None),
            "dd/mm/yyyy, fr": (f"{d:02d}/{m:02d}/{y}", "fr"),
            "RFC 2822": (f"Fri, {d:02d} Feb {y} {hour:02d}:{minute:02d}:00 +0100", None),
            "month name, fr": (f"{d} {FR.split()[m - 1]} {y}", "fr"),
            "month name, tr": (f"{d} {TR.split()[m - 1]} {y}", "tr"),
            "month name, az as unknown": (f"{d} {AZ.split()[m - 1]} {y}", None),
            "no date, no year": (f"someday {i}", "en"),
            "no date, a year": (f"someday in {2000 + i}", "en"),
        }[kind]

    return [one(i) for i in range(n)]


def _time(parse: Callable[[object, str | None], object], values: list) -> float:
    """Milliseconds per value."""
    start = time.perf_counter()
    for value, lang in values:
        with contextlib.suppress(DateError):
            parse(value, lang)
    return (time.perf_counter() - start) / len(values) * 1e3


def main() -> None:
    """Print a Markdown table: kind, values, ms per date, and dateparser alone."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    import dateparser

    def alone(value: object, lang: str | None) -> object:
        languages = None if lang is None else [lang]
        return dateparser.parse(str(value), languages=languages, settings=dict(_SETTINGS))

    start = time.perf_counter()
    alone("6 fevral 2026", None)
    print(f"dateparser's first call (loads every locale): {time.perf_counter() - start:.2f} s\n")
    rng = random.Random(0)
    print("| kind | values | ms per date | dateparser alone, ms |")
    print("| --- | ---: | ---: | ---: |")
    fast = ("ISO with offset", "epoch s (string)", "epoch ms (integer)", "dd/mm/yyyy, fr")
    for kind in (*fast, "RFC 2822", "month name, fr", "month name, tr"):
        n = args.n if kind in fast else args.n // 4
        values = _values(kind, n, rng)
        _time(parse_date, values[:1])
        ours = _time(parse_date, values)
        theirs = _time(alone, values[: max(n // 4, 1)])
        print(f"| {kind} | {n} | {ours:.3f} | {theirs:.3f} |")
    for kind in ("month name, az as unknown", "no date, no year", "no date, a year"):
        values = _values(kind, args.n // 4, rng)
        print(f"| {kind} | {len(values)} | {_time(parse_date, values):.3f} | |")


if __name__ == "__main__":
    main()
