"""UDADataset: paired items, unlabelled target, seeded draws and subsets, lazy init, collation."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmseg.models import SegDataPreProcessor
from mmseg.registry import DATASETS

from mmseg_da.datasets import UDADataset

SOURCE_PIPE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
               dict(type='GenerateEdge', edge_width=2), dict(type='PackDomainSegInputs')]
TARGET_PIPE = [dict(type='LoadImageFromFile'), dict(type='PackDomainSegInputs')]


def uda_cfg(root: Path, **kwargs) -> dict:
    cfg = dict(type='UDADataset',
               source=dict(type='LoveDADomainDataset', data_root=str(root), split='Train', domain='Urban',
                           pipeline=SOURCE_PIPE),
               target=dict(type='LoveDADomainDataset', data_root=str(root), split='Train', domain='Rural',
                           pipeline=TARGET_PIPE))
    cfg.update(kwargs)
    return cfg


def target_names(ds: UDADataset, n: int = 24) -> list:
    np.random.seed(0)  # without workers, target draws follow numpy's global generator (IterationSeedHook seeds it)
    return [Path(ds[i % len(ds)]['target']['data_samples'].img_path).name for i in range(n)]


def test_item_pairs_labelled_source_with_unlabelled_target(loveda_root):
    ds = DATASETS.build(uda_cfg(loveda_root))
    assert len(ds) == 4  # one epoch = one pass over the source
    assert ds.metainfo == ds.source.metainfo and len(ds.metainfo['classes']) == 7
    item = ds[0]
    src, tgt = item['source']['data_samples'], item['target']['data_samples']
    assert src.domain == 'Urban' and 'gt_sem_seg' in src and 'gt_edge_map' in src
    assert tgt.domain == 'Rural'
    assert not [k for k in tgt.keys() if 'gt_' in k]
    assert 'seg_map_path' not in tgt.metainfo


def test_target_labels_removed_even_if_the_pipeline_would_use_them(loveda_root):
    # GenerateEdge needs the labels: they are gone before the pipeline runs, so it fails loudly
    with pytest.raises(KeyError, match='target samples are unlabelled'):
        DATASETS.build(uda_cfg(loveda_root, target=dict(
            type='LoveDADomainDataset', data_root=str(loveda_root), split='Train', domain='Rural',
            pipeline=TARGET_PIPE[:1] + [dict(type='GenerateEdge')] + TARGET_PIPE[1:])))[0]
    with pytest.raises(ValueError, match='target pipeline loads annotations'):
        DATASETS.build(uda_cfg(loveda_root, target=dict(
            type='LoveDADomainDataset', data_root=str(loveda_root), split='Train', domain='Rural',
            pipeline=SOURCE_PIPE)))


def test_collated_batch_feeds_the_preprocessor_per_branch(loveda_root):
    ds = DATASETS.build(uda_cfg(loveda_root))
    batch = pseudo_collate([ds[0], ds[1], ds[2]])
    assert set(batch) == {'source', 'target'}
    for branch in ('source', 'target'):
        assert set(batch[branch]) == {'inputs', 'data_samples'}
        assert len(batch[branch]['inputs']) == len(batch[branch]['data_samples']) == 3
    prep = SegDataPreProcessor(mean=[0, 0, 0], std=[1, 1, 1], bgr_to_rgb=True, size=(32, 32))
    src, tgt = prep(batch['source'], True), prep(batch['target'], True)
    assert src['inputs'].shape == tgt['inputs'].shape == (3, 3, 32, 32)
    assert all('gt_sem_seg' in s for s in src['data_samples'])
    assert not any('gt_sem_seg' in s for s in tgt['data_samples'])


def test_target_draws_are_seeded_and_independent_of_the_index(loveda_root):
    first = target_names(DATASETS.build(uda_cfg(loveda_root, seed=3)))
    assert first == target_names(DATASETS.build(uda_cfg(loveda_root, seed=3)))
    assert first != target_names(DATASETS.build(uda_cfg(loveda_root, seed=4)))
    assert set(first) == {'0.png', '1.png', '2.png'}  # every target image gets drawn


def test_target_subset_keeps_n_seeded_images(make_loveda):
    root = make_loveda({'Train': {'Urban': 2, 'Rural': 10}})
    ds = DATASETS.build(uda_cfg(root, target_subset=3, seed=1))
    assert len(ds.target_indices) == 3
    assert list(ds.target_indices) == list(DATASETS.build(uda_cfg(root, target_subset=3, seed=1)).target_indices)
    allowed = {f'{i}.png' for i in ds.target_indices}
    assert set(target_names(ds, 30)) == allowed
    with pytest.raises(ValueError, match='target_subset=11 exceeds the 10 target samples'):
        DATASETS.build(uda_cfg(root, target_subset=11))
    with pytest.raises(ValueError, match='positive int'):
        DATASETS.build(uda_cfg(root, target_subset=0))


def test_several_sources_are_concatenated(loveda_root):
    source = [dict(type='LoveDADomainDataset', data_root=str(loveda_root), split=split, domain='Urban',
                   pipeline=SOURCE_PIPE) for split in ('Train', 'Val')]
    ds = DATASETS.build(uda_cfg(loveda_root, source=source))
    assert len(ds) == 4 + 2
    assert Path(ds[5]['source']['data_samples'].img_path).parts[-4:-2] == ('Val', 'Urban')


def test_lazy_init_defers_reading_the_folders(tmp_path, loveda_root):
    ds = DATASETS.build(uda_cfg(tmp_path / 'not_yet', lazy_init=True))
    assert ds.metainfo['classes'][0] == 'background'  # metainfo needs no data
    with pytest.raises(FileNotFoundError, match='not_yet'):
        ds.full_init()
    ds = DATASETS.build(uda_cfg(loveda_root, lazy_init=True))
    assert not ds._fully_initialized
    assert len(ds) == 4 and ds._fully_initialized  # len() initialises, as in mmengine


def test_dataloader_workers_are_reproducible(make_loveda):
    ds = DATASETS.build(uda_cfg(make_loveda({'Train': {'Urban': 8, 'Rural': 10}}), seed=0))

    def run() -> list:
        torch.manual_seed(0)
        loader = torch.utils.data.DataLoader(ds, batch_size=2, num_workers=2, collate_fn=pseudo_collate)
        return [Path(s.img_path).name for b in loader for s in b['target']['data_samples']]

    first = run()
    assert len(first) == 8 and first == run()
