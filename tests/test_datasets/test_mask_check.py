"""check_dataset_masks: every mask of a dataset checked from its file (channels, size, values) before training."""
import cv2
import numpy as np
import pytest
from da_testing.writers import truncate_file, write_camvid, write_rgb_mask
from mmseg.registry import DATASETS
from PIL import Image

import mmseg_da  # noqa: F401
from mmseg_da.datasets.mask_check import check_dataset_masks


def loveda_val(root):
    return DATASETS.build(dict(type='LoveDADomainDataset', data_root=str(root), split='Val', pipeline=[]))


def test_good_masks_pass_and_image_only_samples_are_skipped(loveda_root):
    assert check_dataset_masks(loveda_val(loveda_root)) == 4
    test = DATASETS.build(dict(type='LoveDADomainDataset', data_root=str(loveda_root), split='Test', pipeline=[]))
    assert check_dataset_masks(test) == 0


def _set_pixel(path, value):
    mask = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    mask[0, 0] = value
    assert cv2.imwrite(str(path), mask)
    return path


@pytest.mark.parametrize('break_it, phrase', [
    (lambda p: _set_pixel(p, 9), r'values \[9\], which become labels \[8\] outside the classes 0\.\.6'),
    (write_rgb_mask, r'3 channels \(PNG mode RGB\)'),
    (lambda p: Image.new('L', (16, 32)).save(p) or p, r'is 32x16 \(HxW\) but its image .*1\.png is 32x32'),
    (truncate_file, 'truncated or corrupt'),
])
def test_a_bad_mask_is_named(loveda_root, break_it, phrase):
    bad = loveda_root / 'Val' / 'Rural' / 'masks_png' / '1.png'
    break_it(bad)
    with pytest.raises(ValueError, match=phrase) as info:
        check_dataset_masks(loveda_val(loveda_root), 'validation set')
    message = str(info.value)
    assert message.startswith('1 of the 4 masks of the validation set are unusable: ')
    assert str(bad) in message and '\n' not in message


def test_headers_only_skips_values(loveda_root):
    _set_pixel(loveda_root / 'Val' / 'Urban' / 'masks_png' / '0.png', 9)
    assert check_dataset_masks(loveda_val(loveda_root), read_values=False) == 4
    write_rgb_mask(loveda_root / 'Val' / 'Urban' / 'masks_png' / '0.png')
    with pytest.raises(ValueError, match='3 channels'):
        check_dataset_masks(loveda_val(loveda_root), read_values=False)


def test_label_maps_and_concatenated_sets(tmp_path):
    """CamVid's per-sample label_map (11 -> ignore) inside a ConcatDataset, as its val config builds it."""
    root = write_camvid(tmp_path / 'camvid', {'val': ['0016E5_1', '0016E5_2'], 'train': ['0001TP_1']})
    val = DATASETS.build(dict(type='ConcatDataset', datasets=[
        dict(type='CamVidDomainDataset', data_root=str(root), split='val', domain='day', pipeline=[]),
        dict(type='CamVidDomainDataset', data_root=str(root), split='train', domain='dusk', pipeline=[])]))
    assert check_dataset_masks(val) == 3  # 11 is 'unlabelled' in every mask
    _set_pixel(root / 'trainannot' / '0001TP_1.png', 12)
    with pytest.raises(ValueError, match=r'0001TP_1\.png holds values \[12\]'):
        check_dataset_masks(val)


def test_cityscapes_train_ids_and_gta5_label_ids(tmp_path):
    for folder, name, arr in (('leftImg8bit', 'c_000000_000000_leftImg8bit.png', np.zeros((8, 8, 3), np.uint8)),
                              ('gtFine', 'c_000000_000000_gtFine_labelTrainIds.png', np.full((8, 8), 18, np.uint8))):
        (tmp_path / folder / 'val' / 'c').mkdir(parents=True)
        Image.fromarray(arr).save(tmp_path / folder / 'val' / 'c' / name)
    citys = dict(type='CityscapesDataset', data_root=str(tmp_path), pipeline=[],
                 data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'))
    assert check_dataset_masks(DATASETS.build(citys)) == 1
    _set_pixel(tmp_path / 'gtFine' / 'val' / 'c' / 'c_000000_000000_gtFine_labelTrainIds.png', 19)
    with pytest.raises(ValueError, match='labels \\[19\\] outside the classes 0\\.\\.18'):
        check_dataset_masks(DATASETS.build(citys))
    (tmp_path / 'images').mkdir()
    (tmp_path / 'labels').mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / 'images' / '00001.png')
    Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8) * 4).save(tmp_path / 'labels' / '00001.png')
    assert check_dataset_masks(DATASETS.build(dict(type='GTA5Dataset', data_root=str(tmp_path), pipeline=[]))) == 1
