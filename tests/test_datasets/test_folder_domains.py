"""FolderDomainDataset: own data by sub-folder or file-name pattern, and the errors that name what is wrong."""
from pathlib import Path

import numpy as np
import pytest
from da_testing.domain_folders import write_domain_folders
from mmseg.registry import DATASETS
from PIL import Image

import mmseg_da  # noqa: F401

CLASSES = ('background', 'building', 'road')
PALETTE = [[0, 0, 0], [220, 20, 60], [128, 64, 128]]
PIPELINE = [dict(type='CheckedLoadImageFromFile'), dict(type='CheckedLoadAnnotations'),
            dict(type='CheckSegMap', num_classes=3), dict(type='PackDomainSegInputs')]
COUNTS = {'train': {'sunny': 3, 'rainy': 2}}


def build(root: Path, **kwargs):
    cfg = dict(type='FolderDomainDataset', data_root=str(root), classes=CLASSES, palette=PALETTE,
               img_dir='images/train', pipeline=PIPELINE)
    cfg.update(kwargs)
    return DATASETS.build(cfg)


@pytest.fixture
def by_folder(tmp_path: Path) -> Path:
    return write_domain_folders(tmp_path, COUNTS, labelled={'train': ['sunny', 'rainy']})


@pytest.fixture
def by_pattern(tmp_path: Path) -> Path:
    return write_domain_folders(tmp_path, COUNTS, labelled={'train': ['sunny', 'rainy']}, by_pattern=True)


def test_a_sub_folder_is_a_domain(by_folder):
    dataset = build(by_folder, ann_dir='masks/train', domain='rainy')
    assert len(dataset) == 2
    assert dataset.metainfo['classes'] == CLASSES and dataset.metainfo['palette'] == PALETTE
    info = dataset.get_data_info(0)
    assert info['domain'] == 'rainy' and info['img_path'].endswith('images/train/rainy/0.png')
    assert info['seg_map_path'].endswith('masks/train/rainy/0.png')
    sample = dataset[0]['data_samples']
    assert sample.metainfo['domain'] == 'rainy'
    assert set(np.unique(sample.gt_sem_seg.data.numpy())) <= {0, 1, 2}


def test_a_file_name_pattern_is_a_domain(by_pattern):
    sunny = build(by_pattern, ann_dir='masks/train', pattern='sunny_*', domain_name='sunny')
    rainy = build(by_pattern, ann_dir='masks/train', pattern='rainy_*', domain_name='rainy')
    assert (len(sunny), len(rainy)) == (3, 2)
    assert all(Path(sunny.get_data_info(i)['img_path']).name.startswith('sunny_') for i in range(3))
    assert {rainy.get_data_info(i)['domain'] for i in range(2)} == {'rainy'}
    assert rainy[1]['data_samples'].metainfo['domain'] == 'rainy'


def test_without_ann_dir_the_samples_are_image_only(by_folder):
    dataset = build(by_folder, domain='sunny', pipeline=[dict(type='CheckedLoadImageFromFile'),
                                                         dict(type='PackDomainSegInputs')])
    assert all('seg_map_path' not in dataset.get_data_info(i) for i in range(len(dataset)))
    assert 'gt_sem_seg' not in dataset[0]['data_samples']


def test_an_image_only_sample_in_a_labelled_pipeline_is_named(by_folder):
    dataset = build(by_folder, domain='sunny')  # no ann_dir, but PIPELINE loads masks
    with pytest.raises(ValueError, match=r'images/train/sunny/0\.png has no mask .*ann_dir'):
        dataset[0]


def test_reduce_zero_label_makes_zero_the_ignore_index(by_folder):
    dataset = build(by_folder, ann_dir='masks/train', domain='sunny', reduce_zero_label=True,
                    pipeline=[dict(type='CheckedLoadImageFromFile'), dict(type='CheckedLoadAnnotations')])
    stored = np.asarray(Image.open(dataset.get_data_info(0)['seg_map_path']))
    loaded = dataset[0]['gt_seg_map']
    assert (loaded[stored == 0] == 255).all() and (loaded[stored == 2] == 1).all()


def test_an_empty_selection_names_the_folder_and_pattern(by_pattern):
    with pytest.raises(FileNotFoundError, match=r"no images in .*images/train .*pattern 'cloudy_\*'"):
        build(by_pattern, pattern='cloudy_*', domain_name='cloudy')


def test_a_missing_domain_folder_is_named(by_folder):
    with pytest.raises(FileNotFoundError, match=r'image folder not found: .*images/train/snowy'):
        build(by_folder, domain='snowy')


def test_an_image_without_mask_names_both_files(by_folder):
    (by_folder / 'masks' / 'train' / 'sunny' / '1.png').unlink()
    with pytest.raises(FileNotFoundError, match=r'1 of 3 images have no mask: .*images/train/sunny/1\.png '
                                                r'\(mask expected at .*masks/train/sunny/1\.png\)'):
        build(by_folder, ann_dir='masks/train', domain='sunny')


@pytest.mark.parametrize('kwargs,message', [
    (dict(palette=PALETTE[:2]), r'palette has 2 colours but there are 3 classes'),
    (dict(palette=[[0, 0, 0], [1, 2], [3, 4, 5]]), r"colour of class 'building' must be \[R, G, B\]"),
    (dict(classes=('a', 'b', 'a'), palette=None), r"classes must be unique, but \['a'\]"),
    (dict(classes=(), palette=None), r'classes must be a non-empty list'),
    (dict(domain=None, pattern='sunny_*'), r'needs domain_name=<name> .*pattern=.sunny_\*'),
])
def test_bad_settings_are_refused_by_name(by_folder, kwargs, message):
    settings = dict(domain='sunny')
    settings.update(kwargs)
    with pytest.raises(ValueError, match=message):
        build(by_folder, **settings)
