"""GTA5Dataset: real GTA5 label ids (Cityscapes ids) in palette PNGs -> the 19 Cityscapes train ids."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.datasets import CityscapesDataset
from mmseg.registry import DATASETS
from PIL import Image

import mmseg_da  # noqa: F401


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


GTA_CONFIGS = ['pidnet_s_gta2citys_adv_multi_lsgan.py', 'pidnet_s_gta2citys_adv_multi_lsgan_autoaug.py',
               'pidnet_s_gta_cyclegta2citys_adv_multi_lsgan.py', 'pidnet_s_gta2citys_fda.py',
               'pidnet_s_gta2citys_mean_teacher.py', 'pidnet_s_gta2citys_minent.py',
               'deeplabv2_r101_gta2citys_adv_multi_lsgan.py']


@pytest.mark.parametrize('name', GTA_CONFIGS)
def test_gta5_to_cityscapes_configs_load_their_data_and_build(tmp_path, name):
    """Each GTA5 -> Cityscapes config: a training item (labels in train ids) and a val item from tiny PNGs."""
    from da_testing import REPO_ROOT
    from mmengine.config import Config
    from mmseg.registry import MODELS

    from mmseg_da.config.overrides import set_data_root, set_image_size, train_from_scratch
    from mmseg_da.models.utils.deployable import deployable_segmentor
    _write_gta5(tmp_path, n=2, size=(64, 64))
    for split in ('train', 'val'):  # Cityscapes layout under the same root
        for folder, suffix, arr in (('leftImg8bit', 'leftImg8bit', np.full((64, 64, 3), 90, np.uint8)),
                                    ('gtFine', 'gtFine_labelTrainIds', np.full((64, 64), 3, np.uint8))):
            path = tmp_path / folder / split / 'city' / f'city_000000_000019_{suffix}.png'
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(arr).save(path)
    cfg = Config.fromfile(str(REPO_ROOT / 'configs' / name))
    set_data_root(cfg, str(tmp_path))
    set_image_size(cfg, 32, 32)
    train_from_scratch(cfg)
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    item = train_set[0]
    sample = (item['source'] if 'source' in item else item)['data_samples']
    assert sample.gt_sem_seg.data.shape[-2:] == (32, 32)
    assert set(sample.gt_sem_seg.data.unique().tolist()) <= set(range(19)) | {255}
    assert DATASETS.build(cfg.val_dataloader.dataset)[0]['data_samples'].gt_sem_seg.data.max() == 3
    segmentor = deployable_segmentor(MODELS.build(cfg.model))
    heads = [segmentor.decode_head] + ([segmentor.auxiliary_head] if segmentor.with_auxiliary_head else [])
    assert all(head.num_classes == 19 for head in heads)


def _find(node, key):
    """Every value of ``key`` in a config tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from ([v] if k == key else []) + list(_find(v, key))
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from _find(v, key)


@pytest.mark.parametrize('name', GTA_CONFIGS)
def test_gta5_training_crops_are_not_padded(name):
    """The data preprocessor (size_divisor 32) passes every training crop through without padding rows or
    columns, which would enter the target's confidence fraction, entropy mean and discriminators."""
    import torch
    from da_testing import REPO_ROOT
    from mmengine.config import Config
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample
    cfg = Config.fromfile(str(REPO_ROOT / 'configs' / name))
    crops = {tuple(t['crop_size']) for t in _find(cfg.train_dataloader.to_dict(), 'pipeline') for t in t
             if t['type'] == 'RandomCrop'}
    assert crops, name
    preprocessor = MODELS.build(next(_find(cfg.model.to_dict(), 'data_preprocessor')))
    for h, w in crops:
        out = preprocessor(dict(inputs=[torch.zeros(3, h, w, dtype=torch.uint8)], data_samples=[SegDataSample()]),
                           training=True)
        assert tuple(out['inputs'].shape[-2:]) == (h, w), f'{name}: {h}x{w} crops are padded'
