"""tools/test.py, predict.py and pseudo_label.py load checkpoints strictly: right scores or one clear error."""
import json

import pytest
from da_testing import run_tool, save_random_checkpoint, small_config

PLAIN = 'configs/pidnet_s_urban.py'
ADAPTATION = 'configs/pidnet_s_urban2rural_adv_single.py'


@pytest.fixture(scope='module')
def setup(tmp_path_factory, tiny_loveda):
    tmp = tmp_path_factory.mktemp('test_tool')
    cfgs = dict(plain=small_config(PLAIN, tmp / 'plain', tiny_loveda),
                adaptation=small_config(ADAPTATION, tmp / 'adaptation', tiny_loveda),
                five=small_config(PLAIN, tmp / 'five', tiny_loveda, **{'model.decode_head.num_classes': 5}))
    save_random_checkpoint(cfgs['adaptation'], tmp / 'adaptation.pth', seed=1)
    save_random_checkpoint(cfgs['five'], tmp / 'five.pth', seed=2)
    return tmp, cfgs


def assert_clear_error(proc, *needles):
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    for needle in needles:
        assert needle in proc.stderr, proc.stderr[-3000:]


def test_adaptation_checkpoint_scores_the_same_on_plain_and_adaptation_config(setup):
    tmp, cfgs = setup
    scores = {}
    for name in ('plain', 'adaptation'):
        work = tmp / f'test_{name}'
        run_tool('tools/test.py', str(cfgs[name]), str(tmp / 'adaptation.pth'), '--work-dir', str(work))
        scores[name] = json.loads(next(work.glob('*/*.json')).read_text())
    for key in ('Urban/mIoU', 'Rural/mIoU', 'Urban/aAcc'):
        assert scores['plain'][key] == scores['adaptation'][key], key


def test_five_class_checkpoint_on_seven_class_config_stops_test_py(setup):
    tmp, cfgs = setup
    proc = run_tool('tools/test.py', str(cfgs['plain']), str(tmp / 'five.pth'), '--work-dir', str(tmp / 'w5'),
                    check=False)
    assert_clear_error(proc, 'five.pth', 'pidnet_s_urban.py', 'differ in shape', 'decode_head.')
    assert not list((tmp / 'w5').glob('*/*.json'))  # nothing was scored


def test_truncated_checkpoint_stops_test_py(setup):
    tmp, cfgs = setup
    whole = (tmp / 'adaptation.pth').read_bytes()
    (tmp / 'torn.pth').write_bytes(whole[: len(whole) // 2])
    proc = run_tool('tools/test.py', str(cfgs['plain']), str(tmp / 'torn.pth'), check=False)
    assert_clear_error(proc, 'torn.pth', 'truncated')


@pytest.mark.parametrize('tool', ['predict', 'pseudo_label'])
def test_class_count_mismatch_stops_predict_and_pseudo_label(setup, tool, tmp_path):
    tmp, cfgs = setup
    config = cfgs['plain'] if tool == 'predict' else cfgs['adaptation']
    extra = ['--dataset-split', 'val'] if tool == 'predict' else []
    proc = run_tool(f'tools/{tool}.py', str(config), str(tmp / 'five.pth'), *extra, '--out', str(tmp_path / 'o'),
                    check=False)
    assert_clear_error(proc, 'five.pth', 'differ in shape')
