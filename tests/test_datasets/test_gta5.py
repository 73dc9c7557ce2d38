"""GTA5Dataset: real GTA5 label ids (Cityscapes ids) in palette PNGs -> the 19 Cityscapes train ids."""
import numpy as np
import pytest
from PIL import Image

import mmseg_da  # noqa: F401
from mmengine.registry import init_default_scope
from mmseg.datasets import CityscapesDataset
from mmseg.registry import DATASETS


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


# Cityscapes label id -> expected train id, written out by hand from cityscapesScripts' table
# (ids 0-6 void, 9 parking, 10 rail track, 14-16 guard rail/bridge/tunnel, 18 polegroup, 29 caravan,
# 30 trailer are not evaluated; 34 and 200 do not exist and must be ignored too).
EXPECTED = {0: 255, 1: 255, 3: 255, 6: 255, 7: 0, 8: 1, 9: 255, 10: 255, 11: 2, 12: 3, 13: 4, 14: 255,
            15: 255, 16: 255, 17: 5, 18: 255, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11, 25: 12, 26: 13,
            27: 14, 28: 15, 29: 255, 30: 255, 31: 16, 32: 17, 33: 18, 34: 255, 200: 255, 255: 255}


def _write_gta5(root, n=2, size=(32, 24)):
    """GTA5 layout with palette ('P') label PNGs, as the release ships them."""
    (root / 'images').mkdir(parents=True)
    (root / 'labels').mkdir()
    ids = np.array(sorted(EXPECTED), dtype=np.uint8)
    rng = np.random.default_rng(0)
    labels = []
    for i in range(n):
        w, h = size
        label = ids[rng.integers(len(ids), size=(h, w))]
        label.reshape(-1)[:len(ids)] = ids  # every id occurs
        img = Image.fromarray(label, mode='P')
        img.putpalette([v for c in range(256) for v in (c, 255 - c, (7 * c) % 256)])
        img.save(root / 'labels' / f'{i + 1:05d}.png')
        Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(root / 'images' / f'{i + 1:05d}.png')
        labels.append(label)
    return labels


def _expected(label):
    lut = np.full(256, 255, dtype=np.uint8)
    for k, v in EXPECTED.items():
        lut[k] = v
    return lut[label]


@pytest.mark.parametrize('loader', ['LoadAnnotations', 'LoadGTA5Annotations'])
def test_gta5_labels_map_to_cityscapes_train_ids(tmp_path, loader):
    raw = _write_gta5(tmp_path)
    dataset = DATASETS.build(dict(
        type='GTA5Dataset', data_root=str(tmp_path),
        pipeline=[dict(type='LoadImageFromFile'), dict(type=loader), dict(type='PackDomainSegInputs')]))
    assert len(dataset) == 2
    assert dataset.metainfo['classes'] == CityscapesDataset.METAINFO['classes']
    for i, label in enumerate(raw):
        gt = dataset[i]['data_samples'].gt_sem_seg.data[0].numpy()
        np.testing.assert_array_equal(gt, _expected(label))
        assert set(np.unique(gt)) <= set(range(19)) | {255}


def test_gta5_class_subset_composes_with_the_id_map(tmp_path):
    raw = _write_gta5(tmp_path, n=1)
    dataset = DATASETS.build(dict(
        type='GTA5Dataset', data_root=str(tmp_path), metainfo=dict(classes=('road', 'car')),
        pipeline=[dict(type='LoadGTA5Annotations')]))
    gt = dataset[0]['gt_seg_map']
    expected = np.full_like(raw[0], 255)
    expected[raw[0] == 7] = 0  # road
    expected[raw[0] == 26] = 1  # car
    np.testing.assert_array_equal(gt, expected)


def test_uda_source_may_list_gta5_and_its_cyclegan_copy(tmp_path):
    _write_gta5(tmp_path / 'gta5', n=2)
    _write_gta5(tmp_path / 'cyclegta5', n=3)
    _write_gta5(tmp_path / 'citys', n=1)  # stands in for the target images
    pipe = [dict(type='LoadImageFromFile'), dict(type='LoadGTA5Annotations'), dict(type='PackDomainSegInputs')]
    uda = DATASETS.build(dict(
        type='UDADataset',
        source=[dict(type='GTA5Dataset', data_root=str(tmp_path / d), pipeline=pipe) for d in ('gta5', 'cyclegta5')],
        target=dict(type='GTA5Dataset', data_root=str(tmp_path / 'citys'),
                    pipeline=[dict(type='LoadImageFromFile'), dict(type='PackDomainSegInputs')])))
    assert len(uda) == 5
    item = uda[4]
    assert 'cyclegta5' in item['source']['data_samples'].img_path
    assert 'gt_sem_seg' not in item['target']['data_samples']
