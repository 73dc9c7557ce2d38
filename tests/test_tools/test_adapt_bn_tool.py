"""tools/adapt_bn.py: writes an AdaBN checkpoint that tools/test.py evaluates; clear errors."""
import json

import pytest
import torch
from da_testing import call_tool, save_random_checkpoint, small_config
from da_testing.writers import write_camvid

from mmseg_da.apis import read_checkpoint

CONFIG = 'configs/camvid_day2dusk_source_only.py'
TOOL = 'tools/adapt_bn.py'
DAY, DUSK = ['0016E5_%05d' % i for i in range(4)], ['0001TP_%05d' % i for i in range(5)]


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp('adapt_bn_tool')
    data = write_camvid(tmp / 'camvid', {'train': DAY[:2] + DUSK, 'val': DAY})
    config = small_config(CONFIG, tmp / 'cfg', data)
    save_random_checkpoint(config, tmp / 'source.pth', seed=3)
    return tmp, config


def test_the_written_checkpoint_is_evaluated_by_test_py(setup, capsys):
    tmp, config = setup
    out = tmp / 'adabn' / 'adabn.pth'
    code = call_tool(TOOL, str(config), str(tmp / 'source.pth'), '--out', str(out), '--batch-size', '2',
                     '--max-batches', '2')
    printed = capsys.readouterr().out
    assert code == 0, printed[-3000:]
    assert f're-estimated on 4 target images (2 batches of 2); written to {out}' in printed
    meta = read_checkpoint(str(out))['meta']['adabn']
    assert meta['method'] == 'adabn' and meta['target_images'] == 4 and meta['shuffle'] is True
    work = tmp / 'test_py'
    assert call_tool('tools/test.py', str(config), str(out), '--work-dir', str(work)) == 0
    metrics = json.loads(next(work.glob('*/*.json')).read_text())
    assert 'dusk/mIoU' in metrics and 'day/mIoU' in metrics


def test_bad_arguments_are_clear_errors(setup, capsys):
    tmp, config = setup
    code = call_tool(TOOL, str(config), str(tmp / 'source.pth'), '--out', str(tmp / 'x.pth'), '--batch-size', '0')
    err = capsys.readouterr().err
    assert code == 1 and '--batch-size must be at least 1' in err and 'Traceback' not in err, err[-2000:]
    code = call_tool(TOOL, str(config), str(tmp / 'missing.pth'), '--out', str(tmp / 'x.pth'))
    err = capsys.readouterr().err
    assert code == 1 and 'adapt_bn.py: error' in err and 'missing.pth' in err, err[-2000:]
    code = call_tool(TOOL, str(config), str(tmp / 'source.pth'), '--out', str(tmp / 'x.pth'),
                     '--cfg-options', 'model.segmentor.decode_head.num_classes=5')
    err = capsys.readouterr().err
    assert code == 1 and 'decode_head' in err and 'Traceback' not in err, err[-2000:]
    assert not (tmp / 'x.pth').exists()
