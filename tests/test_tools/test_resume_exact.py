"""``kill -9`` during ``tools/train.py``, then ``--resume``: the logged losses repeat the uninterrupted run's exactly.

Each case trains a project config, shrunk to 32x32 images, three times with the real tool in a subprocess:
once without interruption, once killed with SIGKILL as soon as a checkpoint is complete, and once resumed
from that work dir. The LoveDA cases train 2 epochs of 2 iterations on tiny tiles (the mean teacher through
the project's LoveDA bases; the augmented one with albumentations presets), the CamVid one 5 iterations of
the iteration-based CPU budget on real frames; with 0 or 2 dataloader workers (2 persistent workers, as the
dataset bases set them). Two cases run by default, all of them with ``-m slow``.
"""
import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from da_testing import REPO_ROOT, run_tool, small_config

NO_VALIDATION = {'val_dataloader': None, 'val_cfg': None, 'val_evaluator': None,
                 'test_dataloader': None, 'test_cfg': None, 'test_evaluator': None}
COMMON = {
    **NO_VALIDATION,
    'randomness': dict(seed=0),
    'default_hooks.checkpoint.interval': 1,
    'default_hooks.checkpoint.save_best': None,
    'log_processor.window_size': 1,  # log each iteration's own values
}
# DACS on LoveDA Urban -> Rural, from the project's bases (the repository has it for GTA5 -> Cityscapes only)
LOVEDA_MEAN_TEACHER = """_base_ = ['{root}/configs/_base_/datasets/loveda_urban2rural.py',
          '{root}/configs/_base_/methods/mean_teacher_pidnet_s.py',
          '{root}/configs/_base_/schedules/self_training_sgd_poly_20e.py']
"""
CASES = {  # name -> (config, data, length, overrides); the data is 'loveda' (tiny tiles) or 'camvid' (real frames)
    'source_only': ('configs/pidnet_s_urban.py', 'loveda', 2, {}),
    'adversarial': ('configs/pidnet_s_urban2rural_adv_single.py', 'loveda', 2, {'model.disc_input_scale': 'input'}),
    # at 32x32 and batch 2 the teacher's target-batch statistics (2 values per channel in PIDNet's pooled
    # layers) give a non-finite confidence from iteration 2; this case checks exactness only, so it trains on
    'mean_teacher': (LOVEDA_MEAN_TEACHER, 'loveda', 2, {'default_hooks.non_finite_loss': None}),
    'mean_teacher_iter_based': ('configs/camvid_day2dusk_mean_teacher.py', 'camvid', 5, {}),
    # albumentations presets (flip, shift-scale-rotate) draw augmentation in this process with 0 workers
    'source_only_augmented': ('configs/pidnet_s_urban_hf_ssr.py', 'loveda', 2, {}),
}
# AlbuAugment seeds its own generator once per process, so with num_workers=0 its draws continue across
# iterations and restart on resume; reseeding it from numpy's global generator on every call (which
# IterationSeedHook seeds per iteration) makes this case exact.


def logged_losses(scalars: Path) -> dict:
    """iteration -> the values whose name contains 'loss' or 'acc', from a run's ``vis_data/scalars.json``."""
    rows = {}
    for line in scalars.read_text().splitlines():
        row = json.loads(line)
        if any('loss' in key for key in row):
            rows[row['step']] = {k: v for k, v in row.items() if 'loss' in k or 'acc' in k}
    return rows


def train_and_kill(config: Path, work_dir: Path, timeout: float = 300) -> None:
    """Start ``tools/train.py`` and SIGKILL it as soon as ``last_checkpoint`` appears."""
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')
    proc = subprocess.Popen([sys.executable, str(REPO_ROOT / 'tools' / 'train.py'), str(config),
                             '--work-dir', str(work_dir)], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    try:
        while not (work_dir / 'last_checkpoint').exists():
            assert proc.poll() is None, f'training ended before its first checkpoint:\n{proc.stderr.read()[-3000:]}'
            assert time.monotonic() < deadline, 'no checkpoint within the time limit'
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, 'the run finished before it could be killed'


def check_resume_is_exact(tmp_path: Path, case: str, workers: int, data_roots: dict) -> None:
    config, data, length, overrides = CASES[case]
    if config.startswith('_base_'):
        (tmp_path / 'base').mkdir()
        config = tmp_path / 'base' / f'{case}.py'
        config.write_text(CASES[case][0].format(root=REPO_ROOT))
    loader = {'num_workers': workers, 'persistent_workers': workers > 0}
    cfg = small_config(str(config), tmp_path / 'cfg', data_roots[data], length=length, batch_size=2,
                       **{**COMMON, **overrides, 'train_dataloader': loader})
    # the uninterrupted run alongside the one to kill (both mostly wait for imports at this size)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        full_run = pool.submit(run_tool, 'tools/train.py', str(cfg), '--work-dir', str(tmp_path / 'full'))
        train_and_kill(cfg, tmp_path / 'resumed')
        full_run.result()
    checkpoint = (tmp_path / 'resumed' / 'last_checkpoint').read_text().strip()
    killed_logs = set((tmp_path / 'resumed').glob('*/vis_data/scalars.json'))
    proc = run_tool('tools/train.py', str(cfg), '--work-dir', str(tmp_path / 'resumed'), '--resume')
    log = proc.stdout + proc.stderr
    assert f'Resuming from the checkpoint {checkpoint}.' in log, log[-3000:]

    (full_log, ) = (tmp_path / 'full').glob('*/vis_data/scalars.json')
    (resumed_log, ) = set((tmp_path / 'resumed').glob('*/vis_data/scalars.json')) - killed_logs
    full, resumed = logged_losses(full_log), logged_losses(resumed_log)
    assert sorted(full) == list(range(1, len(full) + 1))
    assert len(resumed) >= 2 and sorted(resumed) == list(range(len(full) - len(resumed) + 1, len(full) + 1)), \
        f'{sorted(resumed)} logged after resuming from {checkpoint}'
    for iteration, values in resumed.items():
        assert values == full[iteration], f'{case}, {workers} workers, iteration {iteration}'
    assert full[len(full)] != full[len(full) - 1]  # the state changes: the comparison is not trivially equal


@pytest.fixture
def data_roots(request, tiny_loveda) -> dict:
    """The data of each kind; the real CamVid frames (skipped without them) only for the CamVid case."""
    roots = {'loveda': tiny_loveda}
    if CASES[request.node.callspec.params['case']][1] == 'camvid':
        roots['camvid'] = request.getfixturevalue('shared_data') / 'camvid'
    return roots


# the default run keeps one case (the adversarial one resumes exactly in test_adversarial_runner.py too)
@pytest.mark.parametrize('case, workers', [('mean_teacher', 0)])
def test_resume_after_kill_repeats_the_losses(tmp_path, data_roots, case, workers):
    check_resume_is_exact(tmp_path, case, workers, data_roots)


@pytest.mark.slow
@pytest.mark.parametrize('case, workers', [
    (case, workers) for case in sorted(CASES) for workers in (0, 2)])  # the default case again: simpler
def test_resume_after_kill_repeats_the_losses_all_cases(tmp_path, data_roots, case, workers):
    check_resume_is_exact(tmp_path, case, workers, data_roots)
