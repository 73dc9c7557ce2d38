"""tools/benchmark.py on the seed's two model configs: figures, JSON, the fast path and bad input."""
import json
import runpy
import sys

import pytest
import torch
from da_testing import REPO_ROOT

TOOL = 'tools/benchmark.py'
STAT_KEYS = {'mean_ms', 'std_ms', 'median_ms', 'p90_ms', 'fps'}


def run_benchmark(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, 'argv', [TOOL, *args])
    runpy.run_path(str(REPO_ROOT / TOOL), run_name='__main__')
    return capsys.readouterr()


@pytest.mark.parametrize('config', ['configs/pidnet_s_urban_hf_ssr.py', 'configs/deeplabv2_r101_rural.py'])
def test_fast_path_against_eager_writes_json(monkeypatch, capsys, tmp_path, config):
    out = tmp_path / 'latency.json'
    printed = run_benchmark(monkeypatch, capsys, config, '--shape', '64', '64', '--warmup', '1',
                            '--iters', '3', '--fast', '--no-compile', '--json', str(out)).out
    result = json.loads(out.read_text())
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
def test_fast_path_with_torch_compile(monkeypatch, capsys, tmp_path):
    out = tmp_path / 'latency.json'
    run_benchmark(monkeypatch, capsys, 'configs/pidnet_s_urban.py', '--shape', '64', '64',
                  '--warmup', '1', '--iters', '2', '--fast', '--json', str(out))
    result = json.loads(out.read_text())
    assert result['fast_options']['compile'] and result['argmax_agreement'] >= 0.999


def test_eager_only_with_a_trained_checkpoint(monkeypatch, capsys, tmp_path):
    from mmseg_da.deploy import build_deployable_segmentor
    config = 'configs/pidnet_s_urban.py'
    model, _ = build_deployable_segmentor(str(REPO_ROOT / config))
    checkpoint = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    out = tmp_path / 'latency.json'
    printed = run_benchmark(monkeypatch, capsys, config, str(checkpoint), '--shape', '64', '96',
                            '--batch', '2', '--warmup', '0', '--iters', '2', '--json', str(out)).out
    result = json.loads(out.read_text())
    assert result['mode'] == 'eager' and 'speedup' not in result
    assert result['checkpoint'] == str(checkpoint) and result['shape'] == [64, 96]
    assert result['fps'] == pytest.approx(2 * 1e3 / result['mean_ms'])
    assert 'random weights' not in printed


@pytest.mark.parametrize('args, message', [
    (['configs/pidnet_s_urban.py', '/no/such/epoch_20.pth'], '/no/such/epoch_20.pth'),
    (['configs/pidnet_s_urban.py', '--device', 'tpu'], '--device'),
    (['configs/pidnet_s_urban.py', '--fp16'], '--fp16'),
    (['configs/pidnet_s_urban.py', '--iters', '0'], '--iters'),
])
def test_bad_input_is_one_clear_line(monkeypatch, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        run_benchmark(monkeypatch, capsys, *args)
    assert exit_info.value.code == 1
    assert message in capsys.readouterr().err
