"""The two-stage protocol: each seed's warm-up first; every other run of that seed, the baseline (the warm-up
config continued) included, starts from the warm-up's final checkpoint."""
import json
from pathlib import Path

import pytest
from da_testing import REPO_ROOT, call_tool, run_tool, small_config

from mmseg_da.comparison.seed_runs import final_checkpoint, plan_runs, run_cfg_options
from mmseg_da.config.loading import load_config

WARMUP = 'configs/camvid_day2dusk_source_only.py'
METHOD_CONFIG = 'configs/camvid_day2dusk_minent.py'
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


def train_cfg_of(*args: str):
    """The config ``tools/train.py ARGS`` would build its runner from (the runner is not built)."""
    from unittest import mock

    from mmseg.registry import RUNNERS
    built = []
    with mock.patch.object(RUNNERS, 'build', side_effect=lambda cfg: built.append(cfg) or mock.Mock()):
        code = call_tool('tools/train.py', *args)
    return code, (built[0] if built else None)


def test_train_warmup_starts_from_the_checkpoint_in_its_own_work_dir(tmp_path):
    checkpoint = tmp_path / 'iter_300.pth'
    checkpoint.write_bytes(b'')
    code, cfg = train_cfg_of(str(REPO_ROOT / METHOD_CONFIG), '--warmup', str(checkpoint))
    assert code == 0 and cfg.load_from == str(checkpoint) and not cfg.resume
    # not the from-scratch run's folder (where --resume would pick up the other run)
    assert Path(cfg.work_dir) == Path('work_dirs/camvid_day2dusk_minent_from_warmup')
    code, cfg = train_cfg_of(str(REPO_ROOT / METHOD_CONFIG), '--warmup', str(checkpoint), '--work-dir', 'elsewhere')
    assert code == 0 and cfg.work_dir == 'elsewhere' and cfg.load_from == str(checkpoint)


@pytest.mark.parametrize('extra, message', [
    ([], 'the warm-up checkpoint given to --warmup'),
    (['--cfg-options', 'load_from=other.pth'], 'give the checkpoint once'),
], ids=['missing', 'twice'])
def test_train_warmup_refuses_a_missing_or_repeated_checkpoint(tmp_path, capsys, extra, message):
    missing = tmp_path / 'no_warmup' / 'iter_300.pth'
    code, cfg = train_cfg_of(str(REPO_ROOT / METHOD_CONFIG), '--warmup', str(missing), *extra)
    err = capsys.readouterr().err
    assert code == 1 and cfg is None and message in err and 'Traceback' not in err
    if not extra:
        assert str(missing) in err
