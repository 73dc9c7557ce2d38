"""The base dataset configs build their datasets on a LoveDA-layout folder (and on the real data)."""
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from mmseg_da.config.overrides import set_data_root

CONFIGS = Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets'
LOVEDA = ['loveda.py', 'loveda_urban.py', 'loveda_rural.py', 'loveda_urban2rural.py', 'loveda_rural2urban.py']
CAMVID = ['camvid_day.py', 'camvid_day2dusk.py']


def load(name: str, root: Path = None) -> Config:
    cfg = Config.fromfile(str(CONFIGS / name))
    assert 'default_scope' not in cfg  # the schedule base (on mmseg's runtime) sets it, once
    for key in ('data_root', 'crop_size', 'train_pipeline', 'test_pipeline', 'train_dataloader',
                'val_dataloader', 'test_dataloader', 'val_evaluator', 'test_evaluator'):
        assert key in cfg, f'{name} lacks {key}'
    assert cfg.val_evaluator.type == 'DomainIoUMetric'
    init_default_scope('mmseg')
    if root is not None:
        set_data_root(cfg, str(root))
    return cfg


@pytest.mark.parametrize('name', LOVEDA)
def test_loveda_configs_build_on_a_loveda_layout(name, loveda_root):
    cfg = load(name, loveda_root)
    assert cfg.train_dataloader.batch_size == 6 and cfg.train_dataloader.num_workers == 2
    train = DATASETS.build(cfg.train_dataloader.dataset)
    val = DATASETS.build(cfg.val_dataloader.dataset)
    assert {val.get_data_info(i)['domain'] for i in range(len(val))} == {'Urban', 'Rural'}
    item = train[0]
    if '2' in name:  # UDA: source and target
        src, tgt = item['source'], item['target']
        source_domain, target_domain = name[len('loveda_'):-3].split('2')
        assert src['data_samples'].domain.lower() == source_domain
        assert tgt['data_samples'].domain.lower() == target_domain
        assert tgt['inputs'].shape == (3, 512, 512) and 'gt_sem_seg' not in tgt['data_samples']
    else:
        src = item
    assert src['inputs'].shape == (3, 512, 512)
    assert src['data_samples'].gt_sem_seg.data.shape == (1, 512, 512)
    assert src['data_samples'].gt_edge_map.data.shape == (1, 512, 512)
    sample = val[0]['data_samples']  # scored at full resolution, predicted at 512x512
    assert sample.gt_sem_seg.data.shape == (1, 32, 32) and sample.img_shape == (512, 512)


def test_missing_data_root_names_the_path(tmp_path):
    cfg = load('loveda_urban2rural.py', tmp_path / 'no_loveDA')
    with pytest.raises(FileNotFoundError) as err:
        DATASETS.build(cfg.train_dataloader.dataset)
    assert str(tmp_path / 'no_loveDA') in str(err.value) and 'Zenodo record 5706578' in str(err.value)


def test_loveda_train_pipeline_on_a_real_tile_with_all_presets(loveda_sample):
    cfg = load('loveda_rural.py', loveda_sample)
    pipeline = cfg.train_dataloader.dataset.pipeline
    assert pipeline[4].type == 'AlbuAugment'
    pipeline[4].presets = ['HF', 'SSR', 'BC', 'CD']
    train = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(train) == 3
    batch = pseudo_collate([train[i] for i in range(3)])
    for inputs, sample in zip(batch['inputs'], batch['data_samples']):
        assert inputs.shape == (3, 512, 512) and sample.domain == 'Rural'
        labels = set(np.unique(sample.gt_sem_seg.data.numpy()).tolist())
        assert labels <= set(range(7)) | {255} and len(labels) > 1


@pytest.mark.parametrize('name', CAMVID)
def test_camvid_configs_build_on_the_real_data(name, camvid_root):
    cfg = load(name, camvid_root)
    train = DATASETS.build(cfg.train_dataloader.dataset)
    val = DATASETS.build(cfg.val_dataloader.dataset)
    assert len(train) == 305
    domains = [val.get_data_info(i)['domain'] for i in range(len(val))]
    assert domains.count('day') == 101 and domains.count('dusk') == 62
    item = train[0]
    src = item['source'] if name == 'camvid_day2dusk.py' else item
    assert src['inputs'].shape == (3, 240, 320) and src['data_samples'].domain == 'day'
    if name == 'camvid_day2dusk.py':
        assert item['target']['data_samples'].domain == 'dusk'
        assert 'gt_sem_seg' not in item['target']['data_samples']
    assert val[150]['data_samples'].gt_sem_seg.data.shape == (1, 360, 480)
