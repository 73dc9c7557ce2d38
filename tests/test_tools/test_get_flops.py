"""tools/analysis/get_flops.py on the seed's two model configs: the table, the JSON and bad input."""
import json

import pytest
from da_testing import call_tool

TOOL = 'tools/analysis/get_flops.py'


@pytest.mark.parametrize('config, params, aux_heads', [
    ('configs/pidnet_s_urban_hf_ssr.py', 7_717_775, True),
    ('configs/deeplabv2_r101_rural.py', 43_016_284, False),
])
def test_writes_params_and_flops_per_image_and_batch(capsys, tmp_path, config, params, aux_heads):
    out = tmp_path / 'flops.json'
    assert call_tool(TOOL, config, '--shape', '64', '64', '--batch', '2', '--json', str(out), '--depth', '1') == 0
    printed = capsys.readouterr()
    result = json.loads(out.read_text())
    assert result['params'] == params
    assert result['shape'] == [64, 64] and result['batch'] == 2
    assert result['flops_per_batch'] == 2 * result['flops_per_image'] > 0
    assert (result['flops_per_image_with_aux_heads'] > result['flops_per_image']) == aux_heads
    assert result['convention'] == 'fvcore: 1 multiply-add = 1 FLOP'
    assert f'{params:,}' in printed.out and '1 multiply-add = 1 FLOP' in printed.out
    assert '| backbone ' in printed.out  # fvcore's per-module table


@pytest.mark.parametrize('args, message', [
    (['configs/no_such_config.py'], 'config file not found'),
    (['configs/pidnet_s_urban.py', '--shape', '0', '64'], '--shape'),
    (['configs/pidnet_s_urban.py', '--json', '/no/such/folder/f.json'], '--json folder'),
])
def test_bad_input_is_one_clear_line(capsys, args, message):
    assert call_tool(TOOL, *args) == 1
    assert message in capsys.readouterr().err
