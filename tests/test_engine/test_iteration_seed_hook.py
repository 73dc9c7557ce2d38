"""IterationSeedHook: every draw after a resume (data fetched in this process, training step) repeats the
uninterrupted run's; and ``randomness.seed`` reaches the ``UDADataset`` target draws with ``num_workers=0``."""
import shutil
from pathlib import Path

import pytest
from da_testing.toy_runs import toy_runner
from mmengine.registry import init_default_scope
from mmengine.runner import set_random_seed
from mmseg.registry import DATASETS

import mmseg_da  # noqa: F401

LOOPS = {'iter_based': (dict(iters=6), 'iter_4.pth', 4),  # loop, checkpoint resumed from, iterations before it
         'epoch_based': (dict(iters=None, epochs=3), 'epoch_2.pth', 8)}


def resumed_and_full(tmp_path: Path, loop: str, **hooks) -> tuple:
    kwargs, checkpoint, done = LOOPS[loop]
    full = toy_runner(tmp_path / 'full', **kwargs, **hooks)
    full.train()
    (tmp_path / 'resumed').mkdir()
    shutil.copy(tmp_path / 'full' / checkpoint, tmp_path / 'resumed')
    (tmp_path / 'resumed' / 'last_checkpoint').write_text(str(tmp_path / 'resumed' / checkpoint))
    resumed = toy_runner(tmp_path / 'resumed', resume=True, **kwargs, **hooks)
    resumed.train()
    return resumed.model.steps, full.model.steps[done:]


@pytest.mark.parametrize('loop', sorted(LOOPS))
def test_resumed_run_draws_as_the_uninterrupted_one(tmp_path, loop):
    resumed, full = resumed_and_full(tmp_path, loop)
    assert len(resumed) == len(full) >= 2
    assert resumed == full  # the fetched data (numpy draws), the step's torch draw and the loss


def test_with_workers_a_resume_repeats_the_draws(tmp_path):
    resumed, full = resumed_and_full(tmp_path, 'epoch_based', num_workers=2)
    assert resumed == full


def test_workers_draw_anew_every_epoch(tmp_path):
    runner = toy_runner(tmp_path, iters=None, epochs=2, num_workers=2)
    runner.train()
    draws = [sorted(x[1] for x in step[0]) for step in runner.model.steps]  # the numpy draws, per batch
    assert len(draws) == 8 and draws[:4] != draws[4:]  # mmengine's worker seeds repeat them every epoch


@pytest.mark.parametrize('loop', sorted(LOOPS))
def test_without_the_hook_the_resumed_draws_differ(tmp_path, loop):
    resumed, full = resumed_and_full(tmp_path, loop, seed_hook=False)
    assert resumed != full


def target_order(root: Path, seed: int) -> list:
    """The first 8 target images of a UDADataset read in this process after mmengine seeded it with ``seed``."""
    init_default_scope('mmseg')
    pipeline = [dict(type='LoadImageFromFile'), dict(type='PackDomainSegInputs')]
    dataset = DATASETS.build(dict(
        type='UDADataset', seed=0,
        source=dict(type='LoveDADomainDataset', data_root=str(root), split='Train', domain='Urban',
                    pipeline=pipeline),
        target=dict(type='LoveDADomainDataset', data_root=str(root), split='Train', domain='Rural',
                    pipeline=pipeline)))
    set_random_seed(seed)  # what Runner does with randomness.seed
    return [Path(dataset[i % len(dataset)]['target']['data_samples'].img_path).name for i in range(8)]


def test_randomness_seed_reaches_the_target_draws_without_workers(tiny_loveda):
    assert target_order(tiny_loveda, 0) == target_order(tiny_loveda, 0)
    assert target_order(tiny_loveda, 0) != target_order(tiny_loveda, 1)
