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
