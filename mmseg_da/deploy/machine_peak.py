"""Estimates of the CPU's peaks, the limits that the benchmark's achieved GFLOP/s (GOP/s) are compared with.

    fp32 peak = cores x clock x vector units per core x fp32 lanes x 2 FLOP per fused multiply-add
    int8 peak = cores x clock x vector units per core x 32-bit lanes x 4 int8 multiply-adds x 2 ops
    bf16 peak = the fp32 peak x 2 (a bf16 dot product does 2 multiply-adds per 32-bit lane)

read from ``/proc/cpuinfo`` (``flags``, ``vendor_id``, ``cpu family``, ``cpu MHz``, ``core id``) and, where the
kernel exposes it, ``/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq`` (the clock ``lscpu`` calls max
MHz), which is preferred to ``cpu MHz`` (the current, or for a VM the nominal, clock).

Vector units: two per core are assumed for levels with fused multiply-adds (server cores since Skylake-SP and
Zen 4 have two FMA pipes); one for levels without (a multiply and an add unit together give 2 FLOP per lane
and cycle, counted as one unit). Lanes: AVX-512 counts 16 fp32 lanes, except on CPUs that execute it on
256-bit units (AMD family 25, Zen 3/Zen 4: an AVX-512 instruction takes two 256-bit halves), which count 8;
AMD family 26 (Zen 5) has full 512-bit units. AVX2+FMA counts 8.

int8: only where the CPU has a dot-product instruction for int8 (VNNI's ``VPDPBUSD``: 4 int8 multiply-adds
into each 32-bit lane; AVX-512 VNNI on 512 bits, or 256 on the CPUs above; AVX-VNNI on 256 bits; Arm's
``SDOT``/``UDOT`` on 128), on the same number of units. bf16: where the CPU has ``avx512_bf16``
(``VDPBF16PS``). AMX tiles are not counted: on a CPU with AMX these are the peaks of the vector units.
"""
import os
import re
from dataclasses import dataclass
from typing import Optional, Tuple

CPUINFO = '/proc/cpuinfo'
MAX_FREQ = '/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq'

#: (flag, fp32 lanes per vector, whether it has fused multiply-adds), widest first.
SIMD_LEVELS = (('avx512f', 16, True), ('fma', 8, True), ('avx', 8, False), ('sse2', 4, False),
               ('asimd', 4, True))

#: (vendor_id, cpu family) of CPUs that execute 512-bit instructions on 256-bit units (Zen 3 / Zen 4).
HALF_WIDTH_AVX512 = frozenset({('AuthenticAMD', 25)})

#: (flag, 32-bit lanes of its int8 dot product at full width), widest first.
INT8_DOT_LEVELS = (('avx512_vnni', 16), ('avx_vnni', 8), ('asimddp', 4))

#: int8 multiply-adds per 32-bit lane of one dot-product instruction (VPDPBUSD, SDOT).
INT8_MACS_PER_LANE = 4

#: Flags of a bf16 dot product on the vector units (2 bf16 multiply-adds per 32-bit lane).
BF16_FLAGS = ('avx512_bf16',)


@dataclass
class PeakEstimate:
    """The peaks of ``cores`` cores and how they were estimated.

    Attributes:
        cores: Physical cores counted.
        ghz: Clock in GHz.
        fma_units: Vector units per core (assumed: 2 with FMA, 1 without).
        lanes: fp32 lanes per vector instruction, as executed (8 for AVX-512 on 256-bit units).
        isa: The instruction-set flag the lanes come from (``'avx512f'``, ``'fma'``, ...).
        fma: Whether that level has fused multiply-adds.
        clock_source: Where the clock was read.
        half_width: Whether 512-bit instructions run on 256-bit units (the lanes are halved).
        int8_isa: The int8 dot-product flag (``'avx512_vnni'``, ``'avx_vnni'``, ``'asimddp'``), or None.
        int8_lanes: 32-bit lanes of that instruction as executed (0 without one).
        bf16_isa: The bf16 dot-product flag (``'avx512_bf16'``), or None.
    """
    cores: int
    ghz: float
    fma_units: int
    lanes: int
    isa: str
    fma: bool
    clock_source: str
    half_width: bool = False
    int8_isa: Optional[str] = None
    int8_lanes: int = 0
    bf16_isa: Optional[str] = None

    @property
    def gflops(self) -> float:
        """The fp32 peak in GFLOP/s (one FMA = 2 FLOP)."""
        return self.cores * self.ghz * self.fma_units * self.lanes * 2

    @property
    def int8_gops(self) -> Optional[float]:
        """The int8 peak in GOP/s (one multiply-add = 2 ops), or None without an int8 dot product."""
        if not self.int8_isa:
            return None
        return self.cores * self.ghz * self.fma_units * self.int8_lanes * INT8_MACS_PER_LANE * 2

    @property
    def bf16_gflops(self) -> Optional[float]:
        """The bf16 peak in GFLOP/s, or None without a bf16 dot product."""
        return 2 * self.gflops if self.bf16_isa else None

    def _base(self) -> str:
        plural = 's' if self.fma_units != 1 else ''
        units = f'FMA unit{plural}' if self.fma else f'unit{plural} (multiply + add)'
        return (f'{self.cores} core{"s" if self.cores != 1 else ""} x {self.ghz:.2f} GHz ({self.clock_source}) x '
                f'{self.fma_units} {units}')

    def describe(self) -> str:
        """The fp32 formula with its numbers, e.g. ``2 cores x 2.10 GHz ... x 16 fp32 lanes ... = 268.8``."""
        width = ', 256-bit units' if self.half_width else ''
        return (f'{self._base()} x {self.lanes} fp32 lanes ({self.isa}{width}) x 2 FLOP/FMA = '
                f'{self.gflops:.1f} GFLOP/s')

    def describe_int8(self) -> str:
        """The int8 formula with its numbers, or why there is none."""
        if not self.int8_isa:
            return 'no int8 peak: the CPU has no int8 dot-product instruction (VNNI, SDOT)'
        width = ', 256-bit units' if self.half_width and self.int8_isa == 'avx512_vnni' else ''
        return (f'{self._base()} x {self.int8_lanes} 32-bit lanes ({self.int8_isa}{width}) x '
                f'{INT8_MACS_PER_LANE} int8 MACs x 2 ops = {self.int8_gops:.1f} GOP/s')

    def describe_bf16(self) -> str:
        """The bf16 formula with its numbers, or why there is none."""
        if not self.bf16_isa:
            return 'no bf16 peak: the CPU has no bf16 dot-product instruction (avx512_bf16)'
        return f'2 bf16 MACs per fp32 lane ({self.bf16_isa}) x the fp32 peak = {self.bf16_gflops:.1f} GFLOP/s'


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


def cpu_flags(cpuinfo: str) -> set:
    """The ``flags`` (x86) or ``Features`` (Arm) of the first processor."""
    block = _first_block(cpuinfo)
    return set((_field(block, 'flags') or _field(block, 'Features') or '').split())


def half_width_avx512(cpuinfo: str) -> bool:
    """Whether the CPU executes AVX-512 on 256-bit units (AMD family 25: Zen 3 / Zen 4)."""
    block = _first_block(cpuinfo)
    family = _field(block, 'cpu family') or ''
    return family.isdigit() and ((_field(block, 'vendor_id') or ''), int(family)) in HALF_WIDTH_AVX512


def simd_level(cpuinfo: str) -> Tuple[str, int, bool]:
    """``(flag, lanes, fma)`` of the widest fp32 vector level, lanes as executed (8 for half-width AVX-512)."""
    flags = cpu_flags(cpuinfo)
    for flag, lanes, fma in SIMD_LEVELS:
        if flag in flags:
            if flag == 'avx512f' and half_width_avx512(cpuinfo):
                lanes //= 2
            return flag, lanes, fma
    return 'scalar', 1, False


def int8_level(cpuinfo: str) -> Tuple[Optional[str], int]:
    """``(flag, 32-bit lanes as executed)`` of the widest int8 dot product, ``(None, 0)`` without one."""
    flags = cpu_flags(cpuinfo)
    for flag, lanes in INT8_DOT_LEVELS:
        if flag in flags:
            if flag == 'avx512_vnni' and half_width_avx512(cpuinfo):
                lanes //= 2
            return flag, lanes
    return None, 0


def has_bf16(cpuinfo: Optional[str] = None) -> Tuple[bool, str]:
    """``(whether the CPU computes in bf16 natively, why)``: AVX512_BF16 or AMX-BF16 in its flags."""
    if cpuinfo is None:
        try:
            with open(CPUINFO, encoding='utf-8') as f:
                cpuinfo = f.read()
        except OSError as err:
            return False, f'cannot read {CPUINFO} ({err})'
    flags = cpu_flags(cpuinfo) & {'avx512_bf16', 'amx_bf16'}
    if flags:
        return True, f'the CPU has {" and ".join(sorted(flags))}'
    return False, 'the CPU has neither avx512_bf16 nor amx_bf16 (bf16 would be emulated, slower than fp32)'


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
                  fma_units: Optional[int] = None) -> PeakEstimate:
    """Estimate the fp32, int8 and bf16 peaks of this machine (or of the given ``/proc/cpuinfo`` text).

    Args:
        cpuinfo: The text of ``/proc/cpuinfo``; read from the machine when None.
        max_freq_khz: The text of ``cpuinfo_max_freq`` (kHz); read from the machine when ``cpuinfo`` is None.
        cores: Count this many cores (e.g. the threads a benchmark used), at most the physical cores.
        fma_units: Vector units per core; None: 2 for levels with FMA, 1 without.

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
    int8_isa, int8_lanes = int8_level(cpuinfo)
    bf16_isa = next((flag for flag in BF16_FLAGS if flag in cpu_flags(cpuinfo)), None)
    if fma_units is None:
        fma_units = 2 if fma else 1
    return PeakEstimate(cores=min(cores, available) if cores else available, ghz=ghz, fma_units=fma_units,
                        lanes=lanes, isa=isa, fma=fma, clock_source=source, half_width=isa == 'avx512f'
                        and half_width_avx512(cpuinfo), int8_isa=int8_isa, int8_lanes=int8_lanes, bf16_isa=bf16_isa)


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
