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
    onnx_file = tmp_path / 'pidnet.onnx'
    export_onnx(init_segmentor(str(REPO_ROOT / config)), str(onnx_file), shape=(64, 64))
    out = tmp_path / 'benchmark.json'
    assert call_tool(TOOL, config, '--shape', '64', '--backend', 'onnxruntime', '--onnx', str(onnx_file),
                     '--warmup', '0', '--iters', '2', '--json', str(out)) == 0
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


@pytest.mark.parametrize('kwargs, message', [
    (dict(checkpoint='/no/such/epoch_20.pth'), '/no/such/epoch_20.pth'),
    (dict(device='tpu'), '--device'),
    (dict(precision='fp16'), '--fp16'),
    (dict(iters=0), '--iters'),
    (dict(precision='bf16', onnxruntime=True), '--backend onnxruntime'),
    (dict(onnx_file='model.onnx'), '--onnx'),
    (dict(peak_gflops=0.0), '--peak-gflops'),
])
def test_bad_input_is_a_clear_error(kwargs, message):
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        benchmark(str(REPO_ROOT / 'configs/pidnet_s_urban.py'), **kwargs)


def test_tool_bad_input_is_one_clear_line():
    proc = run_tool(TOOL, 'configs/pidnet_s_urban.py', '--device', 'tpu', check=False)
    assert proc.returncode == 1
    assert '--device' in proc.stderr and 'Traceback' not in proc.stderr
