"""Which precision e5 runs in on this CPU, read from its flags (without importing torch)."""

from __future__ import annotations

from pathlib import Path

#: CPU flags (``/proc/cpuinfo``) under which bf16 runs natively: AMX, or AVX-512 BF16.
BF16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU's feature flags as Linux lists them (empty elsewhere)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def precision_for(flags: frozenset[str]) -> str:
    """``bf16`` if ``flags`` include native bf16 (AMX or AVX-512 BF16), else ``fp32``."""
    return "bf16" if flags & BF16_FLAGS else "fp32"
