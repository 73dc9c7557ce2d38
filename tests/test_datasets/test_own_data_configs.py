"""The own-data template and the Potsdam -> Vaihingen configs build on tiny folders; tools/check_data.py's checks."""
import inspect
from pathlib import Path

import cv2
import numpy as np
import pytest
from da_testing import REPO_ROOT
from da_testing.domain_folders import write_domain_folders, write_isprs
from da_testing.writers import truncate_file
from mmseg.datasets import ISPRSDataset, PotsdamDataset
from mmseg.registry import DATASETS

import mmseg_da  # noqa: F401
from mmseg_da.config.loading import load_config
from mmseg_da.datasets.check_data import check_config_data, format_rows

OWN_COUNTS = {'train': {'sunny': 2, 'rainy': 2}, 'val': {'sunny': 1, 'rainy': 1}}


@pytest.fixture
def own_root(tmp_path: Path) -> Path:
    """The template's layout: masks for the source's train images and for both domains' val images."""
    return write_domain_folders(tmp_path / 'my_domains', OWN_COUNTS,
                                labelled={'train': ['sunny'], 'val': ['sunny', 'rainy']})


def own_config(root: Path, name: str = 'pidnet_s_own_dacs.py', **options):
    return load_config(str(REPO_ROOT / 'configs' / name), options or None, data_root=str(root))


def test_the_own_data_template_builds_and_checks(own_root):
    rows = check_config_data(own_config(own_root))
    assert [(r['role'], r['domains'], r['images'], r['masks']) for r in rows] == [
        ('train source', ['sunny'], 2, 2), ('train target', ['rainy'], 2, 0),
        ('val', ['sunny'], 1, 1), ('val', ['rainy'], 1, 1)]
    assert rows[0]['classes'] == ('background', 'building', 'road')
    assert 'train target  FolderDomainDataset  rainy' in format_rows(rows)


def test_the_source_only_config_shares_the_data_stream(own_root):
    dacs, source_only = own_config(own_root), own_config(own_root, 'pidnet_s_own_source_only.py')
    assert dacs.train_dataloader == source_only.train_dataloader
    assert source_only.model.type == 'UDASegmentor' and source_only.model.segmentor.decode_head.num_classes == 3
    assert source_only.default_hooks.checkpoint.save_best == 'rainy/mIoU'


def test_check_data_names_a_class_count_the_model_does_not_predict(own_root):
    cfg = own_config(own_root, **{'model.segmentor.decode_head.num_classes': 7})
    with pytest.raises(ValueError, match=r"num_classes=\[7\] but the datasets have 3 classes"):
        check_config_data(cfg)


def test_check_data_names_a_corrupt_target_image(own_root):
    bad = truncate_file(own_root / 'images' / 'train' / 'rainy' / '1.png')
    with pytest.raises(ValueError, match=rf'1 of the 2 images of the train target dataset .*{bad}'):
        check_config_data(own_config(own_root))


def test_check_data_names_a_mask_value_outside_the_classes(own_root):
    mask = own_root / 'masks' / 'val' / 'rainy' / '0.png'
    cv2.imwrite(str(mask), np.full((32, 32), 9, np.uint8))
    with pytest.raises(ValueError, match=rf'{mask} holds values \[9\]'):
        check_config_data(own_config(own_root))


def test_mmseg_potsdam_and_vaihingen_share_classes_and_ignored_value():
    assert PotsdamDataset.METAINFO == ISPRSDataset.METAINFO and len(PotsdamDataset.METAINFO['classes']) == 6
    for cls in (PotsdamDataset, ISPRSDataset):
        assert inspect.signature(cls.__init__).parameters['reduce_zero_label'].default is True


def test_potsdam2vaihingen_builds_on_the_converters_layout(tmp_path):
    root = write_isprs(tmp_path / 'data')
    cfg = load_config(str(REPO_ROOT / 'configs/pidnet_s_potsdam2vaihingen_adv_multi.py'), data_root=str(root))
    rows = check_config_data(cfg)
    assert [(r['role'], r['type'], r['domains'], r['images'], r['masks']) for r in rows] == [
        ('train source', 'PotsdamDomainDataset', ['Potsdam'], 2, 2),
        ('train target', 'VaihingenDomainDataset', ['Vaihingen'], 2, 0),
        ('val', 'PotsdamDomainDataset', ['Potsdam'], 1, 1),
        ('val', 'VaihingenDomainDataset', ['Vaihingen'], 1, 1)]
    train = DATASETS.build(cfg.train_dataloader.dataset)
    item = train[0]
    labels = item['source']['data_samples'].gt_sem_seg.data.numpy()
    assert set(np.unique(labels)) <= set(range(6)) | {255} and 255 in labels  # stored 0 is ignored
    assert 'gt_sem_seg' not in item['target']['data_samples']
    assert item['target']['data_samples'].metainfo['domain'] == 'Vaihingen'
    assert isinstance(train.source, PotsdamDataset) and isinstance(train.target, ISPRSDataset)
