"""Run a command and report the peak memory of it and all its children, summed.

    python -m devtools.peak_memory make test

``/usr/bin/time -v`` reports the largest single process; pytest-xdist workers, Dask
workers, Chromium and notebook kernels add up. Every 0.2 s this sums the resident memory
of the command and its descendants, and prints to stderr the peak of that sum, the
largest processes' own peaks and their CPU seconds.
"""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

#: Seconds between samples.
INTERVAL = 0.2


def _sample(root: psutil.Process, peaks: dict, cpu: dict) -> int:
    """The summed RSS of ``root`` and its descendants; each one's peak and CPU seconds."""
    total = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            key = (process.pid, process.create_time())
            rss = process.memory_info().rss
            name = peaks[key][1] if key in peaks else " ".join(process.cmdline()[:4])[:80]
            times = process.cpu_times()
        except psutil.Error:
            continue
        peaks[key] = (max(rss, peaks.get(key, (0, ""))[0]), name)
        cpu[key] = times.user + times.system
        total += rss
    return total


def main() -> None:
    """Run the command given as arguments; exit with its status."""
    started = time.perf_counter()
    command = subprocess.Popen(sys.argv[1:])
    root = psutil.Process(command.pid)
    peaks: dict = {}
    cpu: dict = {}
    peak = 0
    while command.poll() is None:
        try:
            peak = max(peak, _sample(root, peaks, cpu))
        except psutil.NoSuchProcess:
            break
        time.sleep(INTERVAL)
    status = command.wait()
    largest = sorted(peaks.items(), key=lambda item: item[1][0], reverse=True)[:4]
    print(
        f"peak memory: {peak / 2**30:.2f} GiB summed over the command and its children "
        f"({len(peaks)} processes), wall {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    for key, (rss, name) in largest:
        print(f"  {rss / 2**30:.2f} GiB, {cpu[key]:.0f} CPU s  {name}", file=sys.stderr)
    sys.exit(status)


if __name__ == "__main__":
    main()
