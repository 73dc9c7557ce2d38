"""LoveDADomainDataset: real tiles, both domains, image-only Test, and every bad-input error."""
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate

from mmseg_da.datasets import LoveDADomainDataset

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
        dict(type='CheckSegMap', num_classes=7), dict(type='PackDomainSegInputs')]

# The pixel counts per mask value listed in ../shared/data/README.md.
README_COUNTS = {
    '0.png': {1: 142441, 2: 14427, 3: 19208, 4: 3888, 7: 868612},
    '1.png': {1: 226400, 2: 3503, 3: 2485, 4: 244616, 6: 43126, 7: 528446},
    '2.png': {1: 8244, 4: 29109, 6: 914057, 7: 97166},
}


def test_real_tiles_have_the_readme_class_counts(loveda_sample):
    ds = LoveDADomainDataset(data_root=str(loveda_sample), split='Train', domain='Rural', pipeline=LOAD)
    assert len(ds) == 3
    for i in range(3):
        sample = ds[i]['data_samples']
        name = Path(sample.img_path).name
        assert sample.domain == 'Rural' and sample.img_shape == (1024, 1024)
        labels = sample.gt_sem_seg.data.numpy().ravel()
        got = {int(v): int(c) for v, c in zip(*np.unique(labels, return_counts=True))}
        # raw 1..7 -> 0..6, raw 0 (no-data) -> 255
        expected = {raw - 1: n for raw, n in README_COUNTS[name].items()}
        no_data = 1024 * 1024 - sum(README_COUNTS[name].values())
        if no_data:
            expected[255] = no_data
        assert got == expected, name


def test_both_domains_with_domain_in_every_sample(loveda_root):
    ds = LoveDADomainDataset(data_root=str(loveda_root), split='Train', domain=['Urban', 'Rural'], pipeline=LOAD)
    assert len(ds) == 7
    domains = [ds.get_data_info(i)['domain'] for i in range(len(ds))]
    assert domains == ['Urban'] * 4 + ['Rural'] * 3
    assert ds.metainfo['classes'] == ('background', 'building', 'road', 'water', 'barren', 'forest',
                                      'agricultural')
    assert len(ds.metainfo['palette']) == 7
    sample = ds[5]['data_samples']
    assert sample.domain == 'Rural' and sample.seg_map_path.endswith('Rural/masks_png/1.png')
    raw = cv2.imread(sample.seg_map_path, cv2.IMREAD_UNCHANGED)
    expected = np.where(raw == 0, 255, raw.astype(np.int64) - 1)
    assert np.array_equal(sample.gt_sem_seg.data.numpy()[0], expected)


def test_single_domain_case_insensitive_and_numeric_order(make_loveda):
    root = make_loveda({'Val': {'Rural': 12}})
    ds = LoveDADomainDataset(data_root=str(root), split='val', domain='rural')
    assert ds.split == 'Val' and ds.domains == ('Rural', )
    names = [Path(ds.get_data_info(i)['img_path']).name for i in range(len(ds))]
    assert names == [f'{i}.png' for i in range(12)]


def test_test_split_is_image_only(loveda_root):
    pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=(64, 64), keep_ratio=False),
                dict(type='PackDomainSegInputs')]
    ds = LoveDADomainDataset(data_root=str(loveda_root), split='Test', pipeline=pipeline)
    assert len(ds) == 2
    assert all('seg_map_path' not in ds.get_data_info(i) for i in range(2))
    batch = pseudo_collate([ds[0], ds[1]])
    assert [s.domain for s in batch['data_samples']] == ['Urban', 'Rural']
    assert batch['inputs'][0].shape == (3, 64, 64)
    assert 'gt_sem_seg' not in batch['data_samples'][0]


@pytest.mark.parametrize('remove, named', [
    ('', 'loveDA'),
    ('Val', 'Val'),
    ('Val/Rural', 'Val/Rural'),
    ('Val/Rural/images_png', 'Val/Rural/images_png'),
    ('Val/Rural/masks_png', 'Val/Rural/masks_png'),
])
def test_missing_folder_names_the_path_layout_and_source(loveda_root, remove, named):
    shutil.rmtree(loveda_root / remove)
    with pytest.raises(FileNotFoundError) as err:
        LoveDADomainDataset(data_root=str(loveda_root), split='Val', domain=['Urban', 'Rural'])
    msg = str(err.value)
    assert str(loveda_root / remove) in msg and named in msg
    assert 'images_png' in msg and 'masks_png' in msg  # the layout
    assert 'Zenodo record 5706578' in msg and 'Train.zip' in msg and 'data/loveDA' in msg


def test_image_without_mask_and_mask_without_image(loveda_root):
    (loveda_root / 'Train/Urban/masks_png/2.png').unlink()
    with pytest.raises(FileNotFoundError, match=r'have no mask .*: 2\.png'):
        LoveDADomainDataset(data_root=str(loveda_root), split='Train', domain='Urban')
    (loveda_root / 'Train/Rural/images_png/1.png').unlink()
    with pytest.raises(FileNotFoundError, match=r'Rural/masks_png have no image .*: 1\.png'):
        LoveDADomainDataset(data_root=str(loveda_root), split='Train', domain='Rural')


def test_empty_domain_and_unknown_names(make_loveda):
    root = make_loveda({'Train': {'Urban': 0, 'Rural': 1}})
    with pytest.raises(FileNotFoundError, match=r'Train/Urban is empty: .*images_png'):
        LoveDADomainDataset(data_root=str(root), split='Train', domain='Urban')
    with pytest.raises(ValueError, match=r"'Suburban'.*\['Urban', 'Rural'\]"):
        LoveDADomainDataset(data_root=str(root), domain='Suburban')
    with pytest.raises(ValueError, match=r"split 'train2'"):
        LoveDADomainDataset(data_root=str(root), split='train2')
    with pytest.raises(ValueError, match='at least one domain'):
        LoveDADomainDataset(data_root=str(root), domain=[])


def test_bad_mask_size_and_values_name_the_file(loveda_root):
    ds = LoveDADomainDataset(data_root=str(loveda_root), split='Train', domain='Urban', pipeline=LOAD)
    mask0 = loveda_root / 'Train/Urban/masks_png/0.png'
    cv2.imwrite(str(mask0), np.ones((16, 32), np.uint8))
    with pytest.raises(ValueError, match=rf'mask {mask0} is 16x32 .* is 32x32'):
        ds[0]
    mask1 = loveda_root / 'Train/Urban/masks_png/1.png'
    bad = np.ones((32, 32), np.uint8)
    bad[0, 0] = 9  # LoveDA masks hold 0..7
    cv2.imwrite(str(mask1), bad)
    with pytest.raises(ValueError, match=rf'mask {mask1} .*labels \[8\] outside the classes 0..6'):
        ds[1]
    ds[2]  # untouched tiles still load


def test_worker_error_names_the_file(loveda_root):
    mask = loveda_root / 'Val/Rural/masks_png/0.png'
    cv2.imwrite(str(mask), np.full((32, 32), 12, np.uint8))
    ds = LoveDADomainDataset(data_root=str(loveda_root), split='Val', domain='Rural', pipeline=LOAD)
    loader = torch.utils.data.DataLoader(ds, batch_size=2, num_workers=1, collate_fn=pseudo_collate)
    with pytest.raises(ValueError, match=str(mask)):
        next(iter(loader))
