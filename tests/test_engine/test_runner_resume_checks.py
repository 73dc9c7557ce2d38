"""DARunner's resume: a checkpoint re-saved without the plugin, NaN weights, and a resume without a fixed seed."""
import logging
import subprocess
import sys

import pytest
import torch
from da_testing.toy_runs import toy_runner

import mmseg_da  # noqa: F401

# Re-save a checkpoint in a process that never imported mmseg_da: plain torch pickles mmengine's HistoryBuffer
# with its bound methods, which safe loading refuses.
RESAVE = 'import sys, torch; torch.save(torch.load(sys.argv[1], weights_only=False), sys.argv[2])'


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    work = tmp_path_factory.mktemp('resume_checks')
    toy_runner(work / 'run', iters=2).train()
    return work / 'run' / 'iter_2.pth'


def test_resume_from_a_checkpoint_resaved_without_the_plugin_is_a_clear_error(checkpoint, tmp_path):
    resaved = tmp_path / 'resaved.pth'
    subprocess.run([sys.executable, '-c', RESAVE, str(checkpoint), str(resaved)], check=True)
    with pytest.raises(ValueError, match=f"checkpoint '{resaved}' could not be read safely: .*re-saved by a "
                                         'plain torch.save outside mmseg-da'):
        toy_runner(tmp_path / 'work', iters=4, resume=str(resaved)).train()


def test_resume_refuses_non_finite_weights(checkpoint, tmp_path):
    state = torch.load(checkpoint, map_location='cpu')
    state['state_dict']['linear.bias'].fill_(float('nan'))
    bad = tmp_path / 'nan.pth'
    torch.save(state, bad)
    with pytest.raises(ValueError, match=f"checkpoint '{bad}' is unusable: 1 of its 2 tensors hold NaN or infinite "
                                         r'values, the first linear.bias \(1 of 1 values\)'):
        toy_runner(tmp_path / 'work', iters=4, resume=str(bad)).train()


def test_resume_without_a_fixed_seed_warns_that_it_is_inexact(checkpoint, tmp_path, caplog):
    from mmengine.logging import MMLogger
    runner = toy_runner(tmp_path / 'unseeded', iters=3, resume=str(checkpoint))
    runner._randomness_cfg['seed'] = None  # as a config without randomness.seed
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    MMLogger.get_current_instance().addHandler(handler)
    try:
        runner.train()
    finally:
        MMLogger.get_current_instance().removeHandler(handler)
    warning = next((m for m in messages if 'fixes no randomness.seed' in m), None)
    assert warning is not None and 'randomness.seed=0' in warning  # the checkpoint's seed, to pass next time
    seeded = toy_runner(tmp_path / 'seeded', iters=3, resume=str(checkpoint))
    messages.clear()
    MMLogger.get_current_instance().addHandler(handler)
    try:
        seeded.train()
    finally:
        MMLogger.get_current_instance().removeHandler(handler)
    assert not any('fixes no randomness.seed' in m for m in messages)
