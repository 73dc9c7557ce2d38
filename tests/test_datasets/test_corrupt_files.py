"""Corrupt image and mask files stop the real pipelines with one ValueError paragraph naming the file."""
from pathlib import Path

import numpy as np
import pytest
from da_testing import REPO_ROOT
from da_testing.writers import truncate_file, write_rgb_mask, write_text_as_png
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmseg.registry import DATASETS, TRANSFORMS
from PIL import Image
from torch.utils.data import DataLoader

import mmseg_da  # noqa: F401

# (what is broken, how, the file under Train/Urban, a phrase of the expected message)
CASES = {
    'truncated image': (truncate_file, 'images_png/0.png', 'truncated or corrupt'),
    'text in a .png image': (write_text_as_png, 'images_png/0.png', 'not a PNG file'),
    'truncated mask': (truncate_file, 'masks_png/0.png', 'truncated or corrupt'),
    'text in a .png mask': (write_text_as_png, 'masks_png/0.png', 'not a PNG file'),
    'RGB mask': (write_rgb_mask, 'masks_png/0.png', r'shape \(32, 32, 3\).*single-channel'),
}


def loveda_train_set(root: Path, **kwargs):
    """LoveDA Train/Urban through the project's own training pipeline (configs/_base_/datasets/loveda.py)."""
    cfg = Config.fromfile(str(REPO_ROOT / 'configs/_base_/datasets/loveda.py'))
    return DATASETS.build(dict(type='LoveDADomainDataset', data_root=str(root), split='Train', domain='Urban',
                               pipeline=cfg.train_pipeline, **kwargs))


def assert_one_paragraph_naming(message: str, path: Path) -> None:
    assert str(path) in message
    assert '\n' not in message and 'Traceback' not in message


@pytest.mark.parametrize('case', list(CASES))
def test_a_corrupt_file_is_named(loveda_root, case):
    corrupt, rel, phrase = CASES[case]
    path = corrupt(loveda_root / 'Train' / 'Urban' / rel)
    dataset = loveda_train_set(loveda_root)
    dataset[1]  # the other files still load
    with pytest.raises(ValueError, match=phrase) as info:
        dataset[0]
    assert_one_paragraph_naming(str(info.value), path)


def test_a_dataloader_worker_error_reaches_the_user_as_one_paragraph(loveda_root, capsys):
    """As tools/train.py shows it: clear_errors around a DataLoader whose worker meets a truncated mask."""
    from mmseg_da.cli import clear_errors
    path = truncate_file(loveda_root / 'Train' / 'Urban' / 'masks_png' / '2.png')
    loader = DataLoader(loveda_train_set(loveda_root), batch_size=1, num_workers=2, collate_fn=pseudo_collate)
    batches = iter(loader)
    with pytest.raises(SystemExit) as exit_info, clear_errors('train.py'):
        try:
            list(batches)
        finally:
            batches._shutdown_workers()  # now: the traceback keeps the iterator alive, and its __del__ waits
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert f'ValueError: cannot decode mask {path}' in err and 'truncated or corrupt' in err
    # torch re-raises a worker's error with the worker's traceback as its message; the user sees the paragraph
    assert 'Traceback' not in err and 'worker process' not in err


def test_the_gta5_loader_names_a_colour_mask(tmp_path):
    (tmp_path / 'images').mkdir()
    (tmp_path / 'labels').mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / 'images' / '00001.png')
    Image.fromarray(np.full((8, 8, 3), 7, np.uint8)).save(tmp_path / 'labels' / '00001.png')
    dataset = DATASETS.build(dict(type='GTA5Dataset', data_root=str(tmp_path),
                                  pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadGTA5Annotations')]))
    with pytest.raises(ValueError, match='single-channel') as info:
        dataset[0]
    assert_one_paragraph_naming(str(info.value), tmp_path / 'labels' / '00001.png')


def test_check_seg_map_refuses_a_mask_with_channels():
    check = TRANSFORMS.build(dict(type='CheckSegMap', num_classes=7))
    results = dict(gt_seg_map=np.zeros((4, 4, 3), np.uint8), ori_shape=(4, 4), seg_map_path='m.png',
                   img_path='i.png')
    with pytest.raises(ValueError, match=r'mask m\.png .*shape \(4, 4, 3\)'):
        check(results)


def test_good_files_load_as_with_mmseg(loveda_root):
    """The project's checked loaders give mmcv's/mmseg's arrays on good files; the host's names stay the host's."""
    from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile
    from mmseg.datasets.transforms import LoadAnnotations as MMSegLoadAnnotations
    info = loveda_train_set(loveda_root).get_data_info(0)
    ours = TRANSFORMS.build(dict(type='CheckedLoadAnnotations'))(
        TRANSFORMS.build(dict(type='CheckedLoadImageFromFile'))(dict(info)))
    theirs = MMSegLoadAnnotations()(MMCVLoadImageFromFile()(dict(info)))
    for name in ('CheckedLoadImageFromFile', 'CheckedLoadAnnotations'):
        assert TRANSFORMS.get(name).__module__ == 'mmseg_da.datasets.transforms.loading'
    assert TRANSFORMS.get('LoadImageFromFile') is MMCVLoadImageFromFile
    assert TRANSFORMS.get('LoadAnnotations') is MMSegLoadAnnotations
    np.testing.assert_array_equal(ours['img'], theirs['img'])
    np.testing.assert_array_equal(ours['gt_seg_map'], theirs['gt_seg_map'])
