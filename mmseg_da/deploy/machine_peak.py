"""An estimate of the CPU's fp32 peak, the limit that the benchmark's achieved GFLOP/s are compared with.

    peak = cores x clock x FMA units per core x fp32 SIMD lanes x 2 FLOP per fused multiply-add

read from ``/proc/cpuinfo`` (``flags``, ``cpu MHz``, ``core id``) and, where the kernel exposes it,
``/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq`` (the clock ``lscpu`` calls max MHz), which is
preferred to ``cpu MHz`` (the current, or for a VM the nominal, clock). Two FMA units per core are
assumed (server cores since Skylake-SP and Zen 4 have two); AVX-512 counts 16 fp32 lanes, AVX2+FMA 8.
"""
import os
import re
from dataclasses import dataclass
from typing import Optional

CPUINFO = '/proc/cpuinfo'
MAX_FREQ = '/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq'

#: (flag, fp32 lanes per vector, whether it has fused multiply-adds), widest first.
SIMD_LEVELS = (('avx512f', 16, True), ('fma', 8, True), ('avx', 8, False), ('sse2', 4, False),
               ('asimd', 4, True))


@dataclass
class PeakEstimate:
    """The fp32 peak of ``cores`` cores and how it was estimated.

    Attributes:
        cores: Physical cores counted.
        ghz: Clock in GHz.
        fma_units: Vector FMA units per core (assumed).
        lanes: fp32 lanes per vector instruction.
        isa: The instruction-set flag the lanes come from (``'avx512f'``, ``'fma'``, ...).
        fma: Whether that level has fused multiply-adds (without them, a multiply and an add unit
            together give the same 2 FLOP per lane and cycle, so the formula is unchanged).
        clock_source: Where the clock was read.
    """
    cores: int
    ghz: float
    fma_units: int
    lanes: int
    isa: str
    fma: bool
    clock_source: str

    @property
    def gflops(self) -> float:
        """The peak in GFLOP/s (one FMA = 2 FLOP)."""
        return self.cores * self.ghz * self.fma_units * self.lanes * 2

    def describe(self) -> str:
        """The formula with its numbers, e.g. ``2 cores x 2.10 GHz x 2 FMA units x 16 fp32 lanes ... = 268.8``."""
        return (f'{self.cores} core{"s" if self.cores != 1 else ""} x {self.ghz:.2f} GHz ({self.clock_source}) x '
                f'{self.fma_units} FMA units x {self.lanes} fp32 lanes ({self.isa}) x 2 FLOP/FMA = '
                f'{self.gflops:.1f} GFLOP/s')


def _first_block(cpuinfo: str) -> str:
    return cpuinfo.strip().split('\n\n')[0]


def _field(block: str, name: str) -> Optional[str]:
    match = re.search(rf'^{re.escape(name)}\s*:\s*(.*)$', block, re.M)
    return match.group(1).strip() if match else None


def physical_cores(cpuinfo: str) -> int:
    """Distinct (physical id, core id) pairs; the number of processors where those are not listed."""
    blocks = [b for b in cpuinfo.strip().split('\n\n') if _field(b, 'processor') is not None]
    pairs = {(_field(b, 'physical id'), _field(b, 'core id')) for b in blocks}
    if blocks and all(core is not None for _, core in pairs):
        return len(pairs)
    return max(len(blocks), 1)


def simd_level(cpuinfo: str):
    """``(flag, lanes, fma)`` of the widest fp32 vector level in the ``flags`` (x86) or ``Features`` (Arm)."""
    block = _first_block(cpuinfo)
    flags = set((_field(block, 'flags') or _field(block, 'Features') or '').split())
    for flag, lanes, fma in SIMD_LEVELS:
        if flag in flags:
            return flag, lanes, fma
    return 'scalar', 1, False


def clock_ghz(cpuinfo: str, max_freq_khz: Optional[str] = None):
    """``(GHz, source)``: the maximum clock where known, else the highest ``cpu MHz`` listed.

    Raises:
        ValueError: If neither gives a clock.
    """
    if max_freq_khz and max_freq_khz.strip().isdigit() and int(max_freq_khz) > 0:
        return int(max_freq_khz) / 1e6, 'max clock'
    mhz = [float(m) for m in re.findall(r'^cpu MHz\s*:\s*([\d.]+)', cpuinfo, re.M)]
    if mhz and max(mhz) > 0:
        return max(mhz) / 1e3, 'cpu MHz'
    raise ValueError(f'no CPU clock in {CPUINFO} (no "cpu MHz") nor in {MAX_FREQ}: '
                     'give the peak with --peak-gflops')


def estimate_peak(cpuinfo: Optional[str] = None, max_freq_khz: Optional[str] = None, cores: Optional[int] = None,
                  fma_units: int = 2) -> PeakEstimate:
    """Estimate the fp32 peak of this machine (or of the given ``/proc/cpuinfo`` text).

    Args:
        cpuinfo: The text of ``/proc/cpuinfo``; read from the machine when None.
        max_freq_khz: The text of ``cpuinfo_max_freq`` (kHz); read from the machine when ``cpuinfo`` is None.
        cores: Count this many cores (e.g. the threads a benchmark used), at most the physical cores.
        fma_units: Vector FMA units per core.

    Raises:
        ValueError: If the processor's clock cannot be found (or ``/proc/cpuinfo`` is unreadable).
    """
    if cpuinfo is None:
        try:
            with open(CPUINFO, encoding='utf-8') as f:
                cpuinfo = f.read()
        except OSError as err:
            raise ValueError(f'cannot read {CPUINFO} ({err}): give the peak with --peak-gflops') from err
        if max_freq_khz is None and os.path.isfile(MAX_FREQ):
            with open(MAX_FREQ, encoding='utf-8') as f:
                max_freq_khz = f.read()
    available = physical_cores(cpuinfo)
    ghz, source = clock_ghz(cpuinfo, max_freq_khz)
    isa, lanes, fma = simd_level(cpuinfo)
    return PeakEstimate(cores=min(cores, available) if cores else available, ghz=ghz, fma_units=fma_units,
                        lanes=lanes, isa=isa, fma=fma, clock_source=source)


def measured_gemm_gflops(threads: int, size: int = 2048, repeats: int = 5) -> float:
    """fp32 GFLOP/s of a ``size`` x ``size`` matrix product with ``threads`` torch threads (best of ``repeats``).

    A vendor GEMM runs close to the FMA limit, so this is a floor under the true peak: where the estimate
    from the nominal clock is lower (a VM reports its base clock, not the turbo one), the estimate is wrong.
    """
    import time

    import torch
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        generator = torch.Generator().manual_seed(0)
        a = torch.randn(size, size, generator=generator)
        b = torch.randn(size, size, generator=generator)
        a @ b  # warm-up
        best = float('inf')
        for _ in range(repeats):
            start = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - start)
    finally:
        torch.set_num_threads(previous)
    return 2 * size**3 / best / 1e9
