"""The fp32 peak estimate (cores x clock x FMA units x lanes x 2) from a fake /proc/cpuinfo."""
import pytest

from mmseg_da.deploy.machine_peak import estimate_peak


def cpuinfo(processors, flags: str, mhz: float = 2100.0) -> str:
    """``/proc/cpuinfo`` text: one block per (physical id, core id) in ``processors``."""
    blocks = [f'processor\t: {i}\nmodel name\t: Test CPU\nphysical id\t: {phys}\ncore id\t\t: {core}\n'
              f'cpu MHz\t\t: {mhz:.3f}\nflags\t\t: fpu sse sse2 {flags}\n' for i, (phys, core) in enumerate(processors)]
    return '\n'.join(blocks) + '\n'


def test_avx512_machine_of_two_cores():
    peak = estimate_peak(cpuinfo([(0, 0), (0, 1)], 'avx avx2 fma avx512f'))
    assert (peak.cores, peak.ghz, peak.lanes, peak.fma_units, peak.isa) == (2, 2.1, 16, 2, 'avx512f')
    assert peak.gflops == pytest.approx(2 * 2.1 * 2 * 16 * 2)  # 268.8
    assert peak.describe() == ('2 cores x 2.10 GHz (cpu MHz) x 2 FMA units x 16 fp32 lanes (avx512f) x '
                               '2 FLOP/FMA = 268.8 GFLOP/s')


def test_hyperthreads_count_once_and_avx2_has_eight_lanes():
    # 2 sockets x 2 cores x 2 hyperthreads: 8 processors, 4 physical cores
    procs = [(phys, core) for phys in (0, 1) for core in (0, 1) for _ in range(2)]
    peak = estimate_peak(cpuinfo(procs, 'avx avx2 fma', mhz=3000.0))
    assert peak.cores == 4 and peak.lanes == 8 and peak.isa == 'fma'
    assert peak.gflops == pytest.approx(4 * 3.0 * 2 * 8 * 2)


def test_max_clock_preferred_and_cores_capped_to_the_threads_used():
    text = cpuinfo([(0, 0), (0, 1)], 'avx2 fma avx512f')
    peak = estimate_peak(text, max_freq_khz='3500000\n', cores=1)
    assert peak.cores == 1 and peak.ghz == pytest.approx(3.5) and peak.clock_source == 'max clock'
    assert estimate_peak(text, cores=64).cores == 2  # never more than the machine has


def test_without_a_clock_the_error_names_the_override():
    text = cpuinfo([(0, 0)], 'avx2 fma').replace('cpu MHz', 'bogomips')
    with pytest.raises(ValueError, match='--peak-gflops'):
        estimate_peak(text)


def test_measured_gemm_is_a_floor_of_the_peak_the_benchmark_uses():
    import torch

    from mmseg_da.deploy.benchmark import machine_peak
    from mmseg_da.deploy.machine_peak import measured_gemm_gflops
    assert measured_gemm_gflops(1, size=256, repeats=2) > 0.1
    peak = machine_peak(torch.device('cpu'), 1, None, print)
    assert peak['gflops'] == pytest.approx(max(peak['formula_gflops'], peak['gemm_gflops']))
    assert 'GEMM measured' in peak['estimate']


def vendor_cpuinfo(vendor: str, family: int, flags: str, mhz: float = 2600.0) -> str:
    """Two cores of a CPU of ``vendor`` and ``family`` with ``flags``."""
    return cpuinfo([(0, 0), (0, 1)], flags, mhz).replace(
        'model name', f'vendor_id\t: {vendor}\ncpu family\t: {family}\nmodel name')


ZEN4_FLAGS = 'avx avx2 fma avx512f avx512_vnni avx512_bf16'


def test_zen4_runs_avx512_on_256_bit_units_and_zen5_does_not():
    zen4 = estimate_peak(vendor_cpuinfo('AuthenticAMD', 25, ZEN4_FLAGS))
    assert zen4.half_width and zen4.lanes == 8 and zen4.gflops == pytest.approx(2 * 2.6 * 2 * 8 * 2)
    assert '8 fp32 lanes (avx512f, 256-bit units)' in zen4.describe()
    zen5 = estimate_peak(vendor_cpuinfo('AuthenticAMD', 26, ZEN4_FLAGS))
    assert not zen5.half_width and zen5.lanes == 16
    intel = estimate_peak(vendor_cpuinfo('GenuineIntel', 6, ZEN4_FLAGS))
    assert intel.lanes == 16 and intel.int8_lanes == 16


def test_int8_peak_counts_four_macs_per_32_bit_lane_of_vnni():
    zen4 = estimate_peak(vendor_cpuinfo('AuthenticAMD', 25, ZEN4_FLAGS))
    assert zen4.int8_isa == 'avx512_vnni' and zen4.int8_lanes == 8
    assert zen4.int8_gops == pytest.approx(2 * 2.6 * 2 * 8 * 4 * 2) == pytest.approx(4 * zen4.gflops)
    assert 'x 4 int8 MACs x 2 ops' in zen4.describe_int8()
    assert zen4.bf16_gflops == pytest.approx(2 * zen4.gflops)
    avx_vnni = estimate_peak(vendor_cpuinfo('GenuineIntel', 6, 'avx avx2 fma avx_vnni'))
    assert avx_vnni.int8_isa == 'avx_vnni' and avx_vnni.int8_gops == pytest.approx(2 * 2.6 * 2 * 8 * 4 * 2)
    plain = estimate_peak(vendor_cpuinfo('GenuineIntel', 6, 'avx avx2 fma'))
    assert plain.int8_gops is None and plain.bf16_gflops is None
    assert 'no int8 peak' in plain.describe_int8() and 'no bf16 peak' in plain.describe_bf16()


def test_levels_without_fma_count_one_unit():
    peak = estimate_peak(vendor_cpuinfo('GenuineIntel', 6, 'avx'))
    assert (peak.isa, peak.fma, peak.fma_units, peak.lanes) == ('avx', False, 1, 8)
    assert peak.gflops == pytest.approx(2 * 2.6 * 1 * 8 * 2) and '1 unit (multiply + add)' in peak.describe()
    assert estimate_peak(vendor_cpuinfo('GenuineIntel', 6, 'avx2 fma')).fma_units == 2
