"""ValMaskCheckHook: a bad validation mask stops training before the first iteration, naming the file."""
import shutil
from types import SimpleNamespace

import numpy as np
import pytest
from da_testing import REPO_ROOT, run_tool, small_config
from da_testing.configs import CONFIG_FILES, loaded_config
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, HOOKS
from PIL import Image

import mmseg_da  # noqa: F401


def _runner_validating(dataset):
    return SimpleNamespace(val_loop=object(), val_dataloader=SimpleNamespace(dataset=dataset))


def test_the_hook_checks_the_validation_set(tiny_loveda, tmp_path):
    init_default_scope('mmseg')
    root = shutil.copytree(tiny_loveda, tmp_path / 'loveDA')
    val = DATASETS.build(dict(type='LoveDADomainDataset', data_root=str(root), split='Val', pipeline=[]))
    hook = HOOKS.build(dict(type='ValMaskCheckHook'))
    hook.before_train(_runner_validating(val))
    hook.before_train(SimpleNamespace(val_loop=None))  # no validation, nothing to check
    bad = root / 'Val' / 'Urban' / 'masks_png' / '0.png'
    Image.fromarray(np.full((32, 32), 8, np.uint8)).save(bad)  # LoveDA values are 0..7
    with pytest.raises(ValueError, match=f'{bad}.*labels \\[7\\] outside the classes 0..6'):
        hook.before_train(_runner_validating(val))


def test_a_bad_val_mask_stops_train_py_before_the_first_iteration(tiny_loveda, tmp_path):
    root = shutil.copytree(tiny_loveda, tmp_path / 'loveDA')
    bad = root / 'Val' / 'Rural' / 'masks_png' / '1.png'
    with Image.open(bad) as mask:
        mask.convert('RGB').save(bad)  # an RGB mask: mmseg would squeeze it to HxWx3
    config = 'configs/pidnet_s_urban.py'
    assert Config.fromfile(str(REPO_ROOT / config)).default_hooks.val_mask_check.type == 'ValMaskCheckHook'
    cfg = small_config(config, tmp_path / 'cfg', root, work_dir=str(tmp_path / 'work'))
    proc = run_tool('tools/train.py', str(cfg), check=False)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert str(bad) in proc.stderr and '3 channels' in proc.stderr
    assert 'Traceback' not in proc.stderr + proc.stdout
    assert 'Epoch(train)' not in proc.stderr + proc.stdout  # not a single iteration was logged
    assert not list((tmp_path / 'work').rglob('*.pth'))


def test_training_configs_check_their_validation_masks_and_losses():
    """Every experiment config that validates runs ValMaskCheckHook, and every one that trains NonFiniteLossHook
    (both from the schedule base's default_hooks)."""
    missing = []
    for path in CONFIG_FILES:
        cfg = loaded_config(path)
        hooks = list(cfg.get('default_hooks', {}).values()) + list(cfg.get('custom_hooks', []))
        types = {h.get('type') for h in hooks if h}
        if cfg.get('val_cfg') and cfg.get('val_dataloader') and 'ValMaskCheckHook' not in types:
            missing.append(f'{path.name} (ValMaskCheckHook)')
        if cfg.get('train_cfg') and cfg.get('default_hooks', {}).get('non_finite_loss', {}).get(
                'type') != 'NonFiniteLossHook':
            missing.append(f'{path.name} (NonFiniteLossHook)')
    assert not missing, f'configs without the checks: {missing}'


@pytest.mark.parametrize('suffix', ['.png', '.jpg'])
def test_a_truncated_validation_image_is_found_before_training(tiny_loveda, tmp_path, suffix):
    from da_testing.writers import truncate_file

    from mmseg_da.datasets.mask_check import check_dataset_masks
    init_default_scope('mmseg')
    root = shutil.copytree(tiny_loveda, tmp_path / 'loveDA')
    if suffix == '.jpg':  # the same tiles as JPEG files
        for png in list(root.glob('Val/*/images_png/*.png')):
            with Image.open(png) as img:
                img.convert('RGB').save(png.with_suffix('.jpg'), quality=95)
    bad = truncate_file(root / 'Val' / 'Rural' / 'images_png' / f'1{suffix}')
    val = DATASETS.build(dict(type='LoveDADomainDataset', data_root=str(root), split='Val', pipeline=[],
                              img_suffix=suffix))
    with Image.open(bad) as img:
        assert img.size == (32, 32)  # the header alone still reads: only verifying the file finds it
    with pytest.raises(ValueError, match=f'1 of the 4 masks of the validation set are unusable: cannot decode '
                                         f'image {bad} .*truncated'):
        check_dataset_masks(val, 'validation set', read_values=False)
