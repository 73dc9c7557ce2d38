"""Latency benchmark (mmseg_da.deploy.benchmark) on the seed's two model configs: figures, the fast path, bad
input; and tools/benchmark.py end to end (JSON and report, one-line errors)."""
import json

import pytest
import torch
from da_testing import REPO_ROOT, run_tool

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
    for text in ('device: cpu', 'precision: fp32', 'threads:', '1 x 3 x 64 x 64', 'speedup',
                 'argmax agreement', 'median', 'p90', 'FPS'):
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


@pytest.mark.parametrize('kwargs, message', [
    (dict(checkpoint='/no/such/epoch_20.pth'), '/no/such/epoch_20.pth'),
    (dict(device='tpu'), '--device'),
    (dict(precision='fp16'), '--fp16'),
    (dict(iters=0), '--iters'),
])
def test_bad_input_is_a_clear_error(kwargs, message):
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        benchmark(str(REPO_ROOT / 'configs/pidnet_s_urban.py'), **kwargs)


def test_tool_bad_input_is_one_clear_line():
    proc = run_tool(TOOL, 'configs/pidnet_s_urban.py', '--device', 'tpu', check=False)
    assert proc.returncode == 1
    assert '--device' in proc.stderr and 'Traceback' not in proc.stderr
