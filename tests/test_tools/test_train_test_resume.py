"""tools/train.py -> checkpoint -> tools/test.py and --resume, with the real Runner on tiny PNGs."""
import json
import re

import pytest
import torch
from da_testing import call_tool, run_tool, small_config

CONFIG = 'configs/pidnet_s_urban.py'


@pytest.fixture(scope='module')
def trained(tmp_path_factory, tiny_loveda):
    work = tmp_path_factory.mktemp('train')
    cfg = small_config(CONFIG, work / 'cfg', tiny_loveda, length=2)
    proc = run_tool('tools/train.py', str(cfg), '--work-dir', str(work / 'run'))
    return cfg, work / 'run', proc


def test_train_writes_a_checkpoint_with_per_domain_validation(trained):
    cfg, run_dir, proc = trained
    checkpoint = (run_dir / 'last_checkpoint').read_text().strip()
    state = torch.load(checkpoint, map_location='cpu')  # safe loading (weights_only) must accept it
    assert any(k.startswith('backbone.') for k in state['state_dict'])
    assert state['meta']['dataset_meta']['classes'][1] == 'building'
    log = proc.stdout + proc.stderr
    assert re.search(r'Urban/mIoU: \d', log) and re.search(r'Rural/mIoU: \d', log)


def test_checkpoint_is_evaluated_by_test_py_on_both_domains(trained, tmp_path):
    cfg, run_dir, _ = trained
    checkpoint = (run_dir / 'last_checkpoint').read_text().strip()
    run_tool('tools/test.py', str(cfg), checkpoint, '--work-dir', str(tmp_path))
    metrics = json.loads(next(tmp_path.glob('*/*.json')).read_text())
    for domain in ('Urban', 'Rural'):
        assert 0 <= metrics[f'{domain}/mIoU'] <= 100
        assert f'{domain}/IoU.building' in metrics


def test_resume_continues_from_the_saved_iteration(trained):
    cfg, run_dir, _ = trained
    proc = run_tool('tools/train.py', str(cfg), '--work-dir', str(run_dir), '--resume',
                    '--cfg-options', 'train_cfg.max_epochs=3')
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 2' in log, log[-3000:]
    assert (run_dir / 'epoch_3.pth').is_file()


def test_amp_without_cuda_is_a_clear_error(tmp_path, tiny_loveda, capsys):
    if torch.cuda.is_available():
        pytest.skip('this machine has CUDA: --amp is valid here')
    cfg = small_config('configs/pidnet_s_urban2rural_adv_single.py', tmp_path, tiny_loveda)
    # a user error: tools/train.py prints it as one paragraph (clear_errors), not mmengine's assertion
    assert call_tool('tools/train.py', str(cfg), '--amp', '--work-dir', str(tmp_path / 'w')) == 1
    err = capsys.readouterr().err
    assert '--amp: ' in err and 'no CUDA device' in err and 'train without --amp on CPU' in err
    assert 'Traceback' not in err and not (tmp_path / 'w').exists()
