"""Runs of different budgets are never compared: the comparison refuses them before training anything."""
import pytest
from da_testing import REPO_ROOT, small_config

from mmseg_da.comparison import compare_methods, training_budget
from mmseg_da.comparison.run_budget import differences
from mmseg_da.config.loading import load_config

TRAIN = str(REPO_ROOT / 'tools/train.py')
BASELINE, METHOD = 'configs/camvid_day2dusk_source_only.py', 'configs/camvid_day2dusk_minent.py'
#: The two-stage CamVid comparison of docs/experiments.md: the method configs, each started from the source-only
#: warm-up by compare_methods.py --warmup (or tools/train.py --warmup CHECKPOINT), not by a twin config.
TWO_STAGE = ['configs/camvid_day2dusk_adv_single.py', 'configs/camvid_day2dusk_adv_multi.py',
             'configs/camvid_day2dusk_fda.py', 'configs/camvid_day2dusk_mean_teacher.py',
             'configs/camvid_day2dusk_minent.py', 'configs/camvid_day2dusk_dacs.py',
             'configs/camvid_day2dusk_dacs_photo.py', 'configs/camvid_day2dusk_dacs_teacher_eval.py',
             'configs/camvid_day2dusk_dacs_mic.py', 'configs/camvid_day2dusk_dacs_mic_rcs.py',
             'configs/camvid_day2dusk_dacs_mic_rcs_photo.py', 'configs/camvid_day2dusk_target_bn.py']


@pytest.mark.parametrize('overrides, message', [
    (dict(length=3), r'train_cfg\.max_iters: 3 vs 2'),
    (dict(batch_size=4), r'images per iteration: 4 vs 2'),
    (dict(size=64), r"Resize\.scale=\[64, 64\]' vs 'Resize\.scale=\[32, 32\]"),
    (dict(data_root='elsewhere'), r'train_dataloader data\[\d\]: .*elsewhere.* vs .*camvid'),
], ids=['iterations', 'batch', 'size', 'data'])
def test_runs_of_different_budgets_are_refused(tiny_camvid, tmp_path, overrides, message):
    data_root = tmp_path / overrides.pop('data_root') if 'data_root' in overrides else tiny_camvid
    baseline = small_config(BASELINE, tmp_path / 'base', tiny_camvid)
    method = small_config(METHOD, tmp_path / 'method', data_root, **overrides)
    with pytest.raises(ValueError, match=rf'different budgets.*{message}'):
        compare_methods([str(method)], [0, 1], str(tmp_path / 'runs'), TRAIN, baseline=str(baseline))
    assert not (tmp_path / 'runs').exists()  # refused before training anything


def test_the_two_stage_camvid_configs_share_the_baselines_budget():
    reference = training_budget(load_config(str(REPO_ROOT / BASELINE)))
    for config in TWO_STAGE:
        cfg = load_config(str(REPO_ROOT / config))
        assert cfg.get('load_from') is None, config  # the start is the comparison's (per seed), not the file's
        assert differences(training_budget(cfg), reference) == [], config


@pytest.mark.parametrize('option', ['randomness.seed=3', 'load_from=x.pth', 'work_dir=elsewhere'])
def test_options_the_comparison_sets_itself_are_refused(tmp_path, option):
    with pytest.raises(ValueError, match=option.split('=')[0].replace('.', r'\.') + '.*set by the comparison'):
        compare_methods([str(REPO_ROOT / METHOD)], [0], str(tmp_path / 'runs'), TRAIN,
                        warmup=str(REPO_ROOT / BASELINE), cfg_options=[option])


def test_data_budget_is_the_datasets_read_in_their_roles():
    reference = training_budget(load_config(str(REPO_ROOT / BASELINE)))
    # pseudo-labels of the dusk frames: how the method uses the target, not other data
    assert differences(training_budget(load_config(str(REPO_ROOT / 'configs/camvid_day2dusk_pseudo_label.py'))),
                       reference) == []
    swapped = load_config(str(REPO_ROOT / BASELINE))  # dusk -> day: the same frames, labels read on the other
    dataset = swapped.train_dataloader.dataset
    dataset.source, dataset.target = dataset.target, dataset.source
    assert any('"role": "target"' in d for d in differences(training_budget(swapped), reference))
    oracle = load_config(str(REPO_ROOT / 'configs/camvid_dusk_oracle.py'))  # trained on dusk labels
    assert differences(training_budget(oracle), reference)
