"""Latency benchmark (mmseg_da.deploy.benchmark) on the seed's two model configs: figures, the fast path, ONNX
Runtime, GFLOP/s against the peak, bad input; and tools/benchmark.py end to end (JSON and report, one-line errors)."""
import json

import pytest
import torch
from da_testing import REPO_ROOT, call_tool, run_tool

from mmseg_da.deploy.benchmark import benchmark, format_result

TOOL = 'tools/benchmark.py'
STAT_KEYS = {'mean_ms', 'std_ms', 'median_ms', 'p90_ms', 'fps'}


@pytest.mark.parametrize('config', ['configs/pidnet_s_urban_hf_ssr.py', 'configs/deeplabv2_r101_rural.py'])
def test_fast_path_against_eager(config):
    result = benchmark(str(REPO_ROOT / config), shape=(64, 64), warmup=1, iters=3, fast=True, compile=False)
    printed = format_result(result)
    assert STAT_KEYS <= set(result) and STAT_KEYS <= set(result['eager'])
    assert result['mode'] == 'fast' and result['device'] == 'cpu' and result['precision'] == 'fp32'
    assert result['shape'] == [64, 64] and result['batch'] == 1 and result['iters'] == 3
    assert result['threads'] == torch.get_num_threads()
    assert result['speedup'] == pytest.approx(result['eager']['mean_ms'] / result['mean_ms'])
    assert result['argmax_agreement'] >= 0.999
    assert result['fast_options']['fold_bn'] and result['fast_options']['channels_last']
    assert not result['fast_options']['compile']
    assert result['backend'] == 'fast' and set(result['backends']) == {'eager', 'fast'}
    for text in ('device: cpu', 'precision: fp32', 'threads:', '1 x 3 x 64 x 64', 'speedup',
                 'argmax agreement', 'median', 'p90', 'FPS', 'GFLOP/s', 'fp32 peak (estimate)'):
        assert text in printed


def test_onnxruntime_beside_eager_and_fast_with_gflops_against_the_peak():
    pytest.importorskip('onnx')
    pytest.importorskip('onnxruntime')
    from mmseg_da.apis import init_segmentor
    from mmseg_da.deploy import count_flops
    config = str(REPO_ROOT / 'configs/pidnet_s_urban.py')
    result = benchmark(config, shape=(64, 64), batch=2, warmup=1, iters=2, fast=True, compile=False,
                       onnxruntime=True, peak_gflops=50.0)
    backends = result['backends']
    assert list(backends) == ['eager', 'fast', 'onnxruntime']
    flops = count_flops(init_segmentor(config), (64, 64), 2, table_depth=0)['flops_per_batch']
    assert result['flops_per_image'] == flops / 2
    for name, stats in backends.items():
        assert STAT_KEYS <= set(stats) and stats['iters'] == 2
        assert stats['gflops_per_s'] == pytest.approx(2 * flops / (stats['mean_ms'] / 1e3) / 1e9)
        assert stats['peak_fraction'] == pytest.approx(stats['gflops_per_s'] / 50.0)
        if name != 'eager':
            assert stats['argmax_agreement'] >= 0.999
            assert stats['speedup'] == pytest.approx(backends['eager']['mean_ms'] / stats['mean_ms'])
    best = min(('fast', 'onnxruntime'), key=lambda name: backends[name]['mean_ms'])
    assert result['backend'] == best and result['mean_ms'] == backends[best]['mean_ms']
    assert result['eager'] == backends['eager'] and result['peak']['source'] == '--peak-gflops'
    assert result['onnxruntime']['onnx'] == 'exported here' and result['onnxruntime']['opset'] == 17
    printed = format_result(result)
    for text in ('onnxruntime mean', 'onnxruntime: speedup', f'best: {best}', 'GFLOP/s (', '% of peak',
                 'fp32 peak (--peak-gflops): 50 GFLOP/s', 'CPUExecutionProvider'):
        assert text in printed


@pytest.mark.slow
def test_fast_path_with_torch_compile():
    result = benchmark(str(REPO_ROOT / 'configs/pidnet_s_urban.py'), shape=(64, 64), warmup=1, iters=2, fast=True)
    assert result['fast_options']['compile'] and result['argmax_agreement'] >= 0.999


def test_tool_times_a_trained_checkpoint_and_writes_json(tmp_path):
    from mmseg_da.apis import init_segmentor
    config = 'configs/pidnet_s_urban.py'
    model = init_segmentor(str(REPO_ROOT / config))
    checkpoint = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    out = tmp_path / 'latency.json'
    printed = run_tool(TOOL, config, str(checkpoint), '--shape', '64', '96', '--batch', '2', '--warmup', '0',
                       '--iters', '2', '--json', str(out)).stdout
    result = json.loads(out.read_text())
    assert result['mode'] == 'eager' and 'speedup' not in result
    assert result['checkpoint'] == str(checkpoint) and result['shape'] == [64, 96]
    assert result['fps'] == pytest.approx(2 * 1e3 / result['mean_ms'])
    assert 'random weights' not in printed
    for text in ('device: cpu', '2 x 3 x 64 x 96', 'eager', 'median', 'FPS', f'wrote {out}'):
        assert text in printed


def test_tool_times_an_onnx_file_and_refuses_one_of_another_shape(tmp_path, capsys):
    pytest.importorskip('onnx')
    pytest.importorskip('onnxruntime')
    from mmseg_da.apis import init_segmentor
    from mmseg_da.deploy.onnx_export import export_onnx
    config = 'configs/pidnet_s_urban.py'
    onnx_file, checkpoint = tmp_path / 'pidnet.onnx', tmp_path / 'pidnet.pth'
    model = init_segmentor(str(REPO_ROOT / config))
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    export_onnx(model, str(onnx_file), shape=(64, 64))
    out = tmp_path / 'benchmark.json'
    assert call_tool(TOOL, config, str(checkpoint), '--shape', '64', '--backend', 'onnxruntime', '--onnx',
                     str(onnx_file), '--warmup', '0', '--iters', '2', '--json', str(out)) == 0
    printed = capsys.readouterr().out
    result = json.loads(out.read_text())
    assert list(result['backends']) == ['eager', 'onnxruntime'] and result['backend'] == 'onnxruntime'
    assert result['onnxruntime']['onnx'] == str(onnx_file) and result['device_name']
    assert result['gflops_per_s'] > 0 and result['backends']['eager']['gflops_per_s'] > 0
    assert f'onnxruntime {result["onnxruntime"]["version"]}: {onnx_file}' in printed
    code = call_tool(TOOL, config, '--shape', '32', '--backend', 'onnxruntime', '--onnx', str(onnx_file),
                     '--iters', '1')
    err = capsys.readouterr().err
    assert code == 1 and 'Traceback' not in err
    assert str(onnx_file) in err and '[1, 3, 64, 64]' in err
    # the same file beside other weights (no checkpoint: a fresh random initialisation): its speedup is not one
    # of the same model, so the run fails after printing its figures, naming the file and the floor
    code = call_tool(TOOL, config, '--shape', '64', '--backend', 'onnxruntime', '--onnx', str(onnx_file),
                     '--warmup', '0', '--iters', '1', '--seed', '1')
    captured = capsys.readouterr()
    assert code == 1 and 'argmax agreement' in captured.out and 'Traceback' not in captured.err
    assert str(onnx_file) in captured.err and '--min-agreement 99%' in captured.err


@pytest.mark.parametrize('content', [b'garbage, not a model', 'truncated'])
def test_tool_names_a_garbage_or_truncated_onnx(tmp_path, capsys, content):
    pytest.importorskip('onnx')
    pytest.importorskip('onnxruntime')
    from mmseg_da.apis import init_segmentor
    from mmseg_da.deploy.onnx_export import export_onnx
    bad = tmp_path / 'bad.onnx'
    if content == 'truncated':
        export_onnx(init_segmentor(str(REPO_ROOT / 'configs/pidnet_s_urban.py')), str(bad), shape=(64, 64))
        bad.write_bytes(bad.read_bytes()[:4096])
    else:
        bad.write_bytes(content)
    code = call_tool(TOOL, 'configs/pidnet_s_urban.py', '--shape', '64', '--backend', 'onnxruntime', '--onnx',
                     str(bad), '--iters', '1', '--no-flops')
    err = capsys.readouterr().err
    assert code == 1 and 'Traceback' not in err and str(bad) in err and 'onnx_export.py' in err


def test_int8_and_bf16_paths_in_one_run_with_their_own_peaks(monkeypatch):
    pytest.importorskip('onnx')
    pytest.importorskip('onnxruntime.quantization')
    from mmseg_da.deploy import benchmark as bench
    monkeypatch.setattr(bench, 'bf16_support', lambda device: (True, 'forced by the test'))
    peak = dict(gflops=50.0, source='--peak-gflops', estimate='50', int8_gops=200.0, int8_estimate='200 GOP/s',
                bf16_gflops=100.0, bf16_estimate='100 GFLOP/s')
    monkeypatch.setattr(bench, 'machine_peak', lambda *args: peak)
    result = benchmark(str(REPO_ROOT / 'configs/pidnet_s_urban.py'), shape=(64, 64), warmup=0, iters=1, fast=True,
                       compile=False, onnxruntime=True, int8=True, fast_bf16=True, calib_images=2)
    backends = result['backends']
    assert list(backends) == ['eager', 'fast', 'fast-bf16', 'onnxruntime', 'onnxruntime-int8']
    assert [backends[n]['precision'] for n in backends] == ['fp32', 'fp32', 'bf16', 'fp32', 'int8']
    assert result['precision'] == 'fp32'
    for name, limit in (('fast-bf16', 100.0), ('onnxruntime', 50.0), ('onnxruntime-int8', 200.0)):
        assert backends[name]['peak_fraction'] == pytest.approx(backends[name]['gflops_per_s'] / limit)
    assert backends['onnxruntime-int8']['argmax_agreement'] > 0.8 and backends['fast-bf16']['argmax_agreement'] > 0.8
    printed = format_result(result)
    for text in ('GOP/s', 'of int8 peak', 'of bf16 peak', 'int8 peak: 200 GOP/s', 'quantized here',
                 'onnxruntime-int8 vs onnxruntime (fp32)', 'fast-bf16 vs fast (fp32)'):
        assert text in printed
    # a path below its floor is named; int8 and bf16 have the floor of reduced precision
    assert bench.agreement_failures(result, 99.0, 0.0) == []
    failures = bench.agreement_failures(result, 0.0, 100.1)
    assert [f.split(':')[0] for f in failures] == ['fast-bf16', 'onnxruntime-int8']
    assert '--min-agreement-reduced' in failures[0] and 'random weights' in failures[0]


def test_bf16_is_skipped_with_a_reason_where_the_cpu_lacks_it(monkeypatch):
    from mmseg_da.deploy import benchmark as bench
    from mmseg_da.deploy.machine_peak import has_bf16
    assert has_bf16('flags\t: fpu sse2 avx2 fma\n')[0] is False
    assert has_bf16('flags\t: fpu avx512f avx512_bf16\n') == (True, 'the CPU has avx512_bf16')
    lines = []
    monkeypatch.setattr(bench, 'has_bf16', lambda: (False, 'the CPU has neither avx512_bf16 nor amx_bf16'))
    result = benchmark(str(REPO_ROOT / 'configs/pidnet_s_urban.py'), shape=(32, 32), warmup=0, iters=1,
                       fast_bf16=True, flops=False, write=lines.append)
    assert list(result['backends']) == ['eager'] and 'fast-bf16' in result['skipped']
    assert lines == ['fast-bf16 skipped: the CPU has neither avx512_bf16 nor amx_bf16']
    assert 'fast-bf16 skipped: the CPU has neither' in format_result(result)


@pytest.mark.parametrize('kwargs, message', [
    (dict(checkpoint='/no/such/epoch_20.pth'), '/no/such/epoch_20.pth'),
    (dict(device='tpu'), '--device'),
    (dict(precision='fp16'), '--fp16'),
    (dict(iters=0), '--iters'),
    (dict(precision='bf16', onnxruntime=True), '--backend onnxruntime'),
    (dict(onnx_file='model.onnx'), '--onnx'),
    (dict(onnx_int8_file='model.onnx'), '--onnx-int8'),
    (dict(int8=True, calib_images=0), '--calib-images'),
    (dict(peak_gflops=0.0), '--peak-gflops'),
])
def test_bad_input_is_a_clear_error(kwargs, message):
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        benchmark(str(REPO_ROOT / 'configs/pidnet_s_urban.py'), **kwargs)


def test_tool_bad_input_is_one_clear_line():
    proc = run_tool(TOOL, 'configs/pidnet_s_urban.py', '--device', 'tpu', check=False)
    assert proc.returncode == 1
    assert '--device' in proc.stderr and 'Traceback' not in proc.stderr
