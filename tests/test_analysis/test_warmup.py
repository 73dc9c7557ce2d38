"""The two-stage protocol: each seed's warm-up first; every other run of that seed, the baseline (the warm-up
config continued) included, starts from the warm-up's final checkpoint."""
import json
from pathlib import Path

import pytest
from da_testing import REPO_ROOT, run_tool, small_config

from mmseg_da.analysis.seed_runs import final_checkpoint, plan_runs, run_cfg_options
from mmseg_da.utils.cli import load_config

WARMUP = 'configs/camvid_day2dusk_source_only.py'
METHODS = {'configs/camvid_day2dusk_minent.py': {},
           # 32x32 images give 4x4 logits, too small for the discriminator: it judges them at input size
           'configs/camvid_day2dusk_adv_single.py': {'model.disc_input_scale': 'input'}}


def test_every_run_of_a_seed_starts_from_that_seeds_warmup(tmp_path):
    configs = [str(REPO_ROOT / c) for c in [WARMUP, *METHODS]]
    runs = plan_runs(configs, [0, 1], str(tmp_path), warmup=configs[0])
    assert [(r.is_warmup, r.name, r.seed) for r in runs[:3]] == [
        (True, 'camvid_day2dusk_source_only', 0), (False, 'camvid_day2dusk_source_only', 0),
        (False, 'camvid_day2dusk_minent', 0)]
    assert [r.seed for r in runs] == [0] * 4 + [1] * 4
    warmup_cfg = load_config(configs[0])
    for run in runs:
        options = run_cfg_options(run, ['train_cfg.max_iters=5'], warmup_cfg)
        if run.is_warmup:
            assert run.work_dir == tmp_path / 'warmup' / 'camvid_day2dusk_source_only' / f'seed{run.seed}'
            assert options == ['train_cfg.max_iters=5', f'randomness.seed={run.seed}']
        else:
            assert run.work_dir == tmp_path / run.name / f'seed{run.seed}'
            assert run.warmup.is_warmup and run.warmup.seed == run.seed
            checkpoint = run.warmup.work_dir / 'iter_300.pth'
            assert final_checkpoint(warmup_cfg, run.warmup.work_dir) == checkpoint
            assert options == ['train_cfg.max_iters=5', f'randomness.seed={run.seed}', f'load_from={checkpoint}']


def first_losses(work_dir: Path) -> dict:
    """The segmentation losses on the source (``decode.loss_*``, whatever the method's prefix) of the first
    logged training step."""
    path = next(work_dir.glob('*/vis_data/scalars.json'))
    first = json.loads(path.read_text().splitlines()[0])
    assert first['step'] == 1
    return {'decode.' + k.split('decode.', 1)[1]: v for k, v in first.items() if 'decode.loss_' in k}


@pytest.mark.slow
def test_warm_started_runs_begin_at_the_warmups_continued_loss(tiny_camvid, tmp_path):
    warmup = small_config(WARMUP, tmp_path / 'cfg', tiny_camvid)
    methods = [small_config(c, tmp_path / 'cfg', tiny_camvid, **o) for c, o in METHODS.items()]
    work = tmp_path / 'runs'
    out = run_tool('tools/analysis/compare_methods.py', *map(str, methods), '--warmup', str(warmup), '--seeds', '0',
                   '--work-dir', str(work))
    from_scratch = first_losses(work / 'warmup' / warmup.stem / 'seed0')
    continued = first_losses(work / warmup.stem / 'seed0')
    assert set(continued) == set(from_scratch) and continued['decode.loss_sem_p'] > 0
    assert all(continued[k] != pytest.approx(from_scratch[k], rel=1e-3) for k in continued)
    for method in methods:  # the same weights and data in the first step: the same source losses
        assert first_losses(work / method.stem / 'seed0') == pytest.approx(continued, rel=1e-5), method.stem
    assert f'| {warmup.stem} (warm-up)' in out.stdout and f'| {warmup.stem} (baseline)' in out.stdout
