"""Rare-class sampling in UDADataset: statistics, probabilities, draws, crop retries, cache, seeding, errors."""
import math
import os
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
import pytest
import torch
from da_testing.writers import write_camvid, write_seg_folder
from mmengine.dataset import pseudo_collate
from mmseg.registry import DATASETS

from mmseg_da.datasets import UDADataset
from mmseg_da.datasets import rare_class_sampling as rcs_module
from mmseg_da.datasets.rare_class_sampling import LabelStats, RareClassSampler, rcs_options

CLASSES = ('a', 'b', 'c')
SOURCE_PIPE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='PackDomainSegInputs')]
TARGET_PIPE = [dict(type='LoadImageFromFile'), dict(type='PackDomainSegInputs')]


def seg_cfg(root: Path, pipeline: Sequence[dict] = SOURCE_PIPE) -> dict:
    return dict(type='BaseSegDataset', data_root=str(root), data_prefix=dict(img_path='img', seg_map_path='ann'),
                img_suffix='.png', seg_map_suffix='.png', metainfo=dict(classes=CLASSES), pipeline=list(pipeline))


def rcs_dataset(root: Path, pipeline: Sequence[dict] = SOURCE_PIPE, seed: int = 0, source=None, **rcs) -> UDADataset:
    rcs.setdefault('cache_dir', str(root.parent / 'cache'))
    return DATASETS.build(dict(type='UDADataset', source=source or seg_cfg(root, pipeline),
                               target=seg_cfg(root, TARGET_PIPE), seed=seed, rare_class_sampling=rcs))


def masks_with(size: int, blocks: Sequence[dict]) -> list:
    """One mask of class 0 per entry, with ``{class: number of pixels}`` painted row-major from the top left."""
    masks = []
    for block in blocks:
        flat = np.zeros(size * size, np.uint8)
        start = 0
        for cls, n in block.items():
            flat[start:start + n] = cls
            start += n
        masks.append(flat.reshape(size, size))
    return masks


def source_names(ds: UDADataset, n: int = 24) -> list:
    np.random.seed(0)
    return [Path(ds[0]['source']['data_samples'].img_path).name for _ in range(n)]


def test_frequencies_and_probabilities_match_a_hand_computation(tmp_path):
    # 10x10: all a; 80 a + 20 b; 90 a + 5 c + 5 ignored
    root = write_seg_folder(tmp_path / 'src', masks_with(10, [{}, {1: 20}, {2: 5, 255: 5}]))
    ds = rcs_dataset(root, temperature=0.5, min_pixel_ratio=0.05)
    freq = np.array([270, 20, 5]) / 295
    assert np.allclose(ds.rcs.frequencies, freq)
    weights = [math.exp((1 - f) / 0.5) for f in freq]
    assert list(ds.rcs.classes) == [0, 1, 2]
    assert np.allclose(ds.rcs.probabilities, np.array(weights) / sum(weights))
    assert {c: list(v) for c, v in ds.rcs.samples_with_class.items()} == {0: [0, 1, 2], 1: [1], 2: [2]}
    assert 'c' in ds.rcs.summary() and f'{ds.rcs.probabilities[2]:.6f}' in ds.rcs.summary()
    assert len(ds) == 3  # one epoch is still one pass over the source
    # 5 pixels of c are under 6% of 100: c is present but no image can be drawn for it
    strict = rcs_dataset(root, temperature=0.5, min_pixel_ratio=0.06)
    assert list(strict.rcs.classes) == [0, 1] and strict.rcs.unsampled == [2]
    assert np.allclose(strict.rcs.probabilities, np.array(weights[:2]) / sum(weights[:2]))
    assert 'never drawn' in strict.rcs.summary()


def test_small_temperature_draws_the_rarest_class_from_images_with_enough_of_it(tmp_path):
    # 16x16 = 256 pixels, min_pixel_ratio 0.05: an image needs 13 pixels of a class to be drawn for it
    root = write_seg_folder(tmp_path / 'src', masks_with(16, [{}, {1: 192}, {2: 16}, {2: 16}, {2: 8}]))
    ds = rcs_dataset(root, min_pixel_ratio=0.05)  # T = 0.01
    assert ds.rcs.probabilities[list(ds.rcs.classes).index(2)] > 0.999
    assert list(ds.rcs.samples_with_class[2]) == [2, 3]
    names = source_names(ds, 40)
    assert set(names) == {'2.png', '3.png'}  # never 4.png (8 pixels of c), nor the images without c
    item = ds[0]
    assert (item['source']['data_samples'].gt_sem_seg.data == 2).sum() == 16
    assert not [k for k in item['target']['data_samples'].keys() if 'gt_' in k]


def test_crop_retries_keep_the_drawn_class_more_often(tmp_path):
    mask = np.zeros((32, 32), np.uint8)
    mask[:8, :8] = 1  # 64 pixels of b (>= 0.05 * 1024), rare: drawn almost always at T = 0.01
    root = write_seg_folder(tmp_path / 'src', [mask, np.zeros_like(mask)])
    pipe = SOURCE_PIPE[:2] + [dict(type='RandomCrop', crop_size=(16, 16))] + SOURCE_PIPE[2:]

    def share_with_b(tries: int) -> float:
        ds = rcs_dataset(root, pipe, min_pixel_ratio=0.05, crop_pixel_ratio=0.05, max_crop_tries=tries)
        np.random.seed(0)
        labels = [ds[0]['source']['data_samples'].gt_sem_seg.data for _ in range(100)]
        assert all(lab.shape == (1, 16, 16) for lab in labels)
        return float(np.mean([(lab == 1).any().item() for lab in labels]))

    once, retried = share_with_b(1), share_with_b(10)
    # a random 16x16 crop holds some b with probability 64/289 (22%); with retries about 58%
    assert once < 0.35 and retried > 0.45


class _Runs:
    """A source whose every item is the next of ``runs`` (one pipeline run each)."""

    def __init__(self, runs: Sequence[dict]) -> None:
        self.runs = list(runs)
        self.calls = 0

    def __getitem__(self, index: int) -> dict:
        self.calls += 1
        return self.runs[self.calls - 1]


def unpacked(pixels: int, side: int = 10, **meta) -> dict:
    """An unpacked pipeline output with ``pixels`` pixels of class 1."""
    label = np.zeros(side * side, np.uint8)
    label[:pixels] = 1
    return dict(gt_seg_map=label.reshape(side, side), **meta)


def test_sample_reruns_the_pipeline_until_enough_of_the_class_and_keeps_the_last_try():
    stats = LabelStats(['x.png'], np.array([[60, 40]]), np.array([100]))
    sampler = RareClassSampler(stats, ['a', 'b'], 0.01, min_pixel_ratio=0.4, min_crop_ratio=0.5, max_crop_tries=4)
    runs = [unpacked(n) for n in (5, 10, 20, 30)]
    source = _Runs(runs)
    assert sampler.sample(source, np.random.default_rng(0)) is runs[2] and source.calls == 3  # 20 >= 0.5 * 40
    sampler.min_crop_ratio = 1.0  # 40 pixels: never reached, the fourth run is kept
    source = _Runs(runs)
    assert sampler.sample(source, np.random.default_rng(0)) is runs[3] and source.calls == 4
    # a resize to half the side (scale_factor) quarters the 40 pixels the output must keep: 10 suffice
    runs = [unpacked(9, scale_factor=(0.5, 0.5)), unpacked(10, scale_factor=(0.5, 0.5))]
    assert sampler.sample(_Runs(runs), np.random.default_rng(0)) is runs[1]


def test_defaults_count_daformers_3000_pixels_of_the_original_gta5_label_and_1500_of_the_crop():
    opts = rcs_options({})
    assert opts['min_pixel_ratio'] == pytest.approx(3000 / (1914 * 1052))
    assert opts['crop_pixel_ratio'] == pytest.approx(3000 / (1280 * 720)) and opts['min_crop_ratio'] == 0.5
    full = 1914 * 1052  # a GTA5 label as shipped
    stats = LabelStats(['a.png', 'b.png', 'c.png'], np.array([[full - 3000, 3000], [full - 2999, 2999], [full, 0]]),
                       np.array([full] * 3))
    sampler = RareClassSampler(stats, ['road', 'bike'], opts['temperature'], opts['min_pixel_ratio'],
                               opts['min_crop_ratio'], opts['max_crop_tries'], opts['crop_pixel_ratio'])
    assert list(sampler.samples_with_class[1]) == [0]  # 3000 pixels are enough, 2999 are not
    # the pipeline resized the image to 1280x720: its crop must keep 0.5 * 3000 pixels of the class
    area = (1280 / 1914) * (720 / 1052)
    assert sampler.min_crop_pixels(0, area) == pytest.approx(1500)
    # the old single ratio (3000 of 1280x720 for the label file too) needed 2.2 times as many pixels
    assert 3000 / (1280 * 720) * full / 3000 == pytest.approx(2.18, abs=0.01)


def test_crop_pixel_ratio_is_a_config_option_apart_from_the_image_threshold():
    stats = LabelStats(['x.png'], np.array([[60, 40]]), np.array([100]))
    sampler = RareClassSampler(stats, ['a', 'b'], 0.01, min_pixel_ratio=0.4, min_crop_ratio=0.5, max_crop_tries=4,
                               crop_pixel_ratio=0.2)
    runs = [unpacked(n) for n in (5, 9, 10, 30)]
    source = _Runs(runs)
    assert sampler.sample(source, np.random.default_rng(0)) is runs[2]  # 10 >= 0.5 * 0.2 * 100
    with pytest.raises(ValueError, match=r'crop_pixel_ratio must be in \(0, 1\]'):
        rcs_options(dict(crop_pixel_ratio=0))


def test_draws_follow_the_seed(tmp_path):
    root = write_seg_folder(tmp_path / 'src', masks_with(16, [{1: 200}] + [{2: 16}] * 6))
    first = source_names(rcs_dataset(root, seed=3))
    assert first == source_names(rcs_dataset(root, seed=3))
    assert first != source_names(rcs_dataset(root, seed=4))
    assert set(first) <= {f'{i}.png' for i in range(1, 7)} and len(set(first)) > 3


def test_dataloader_workers_are_reproducible(tmp_path):
    ds = rcs_dataset(write_seg_folder(tmp_path / 'src', masks_with(16, [{1: 200}] + [{2: 16}] * 6)))

    def run() -> list:
        torch.manual_seed(0)
        loader = torch.utils.data.DataLoader(ds, batch_size=2, num_workers=2, collate_fn=pseudo_collate)
        return [Path(s.img_path).name for b in loader for s in b['source']['data_samples']]

    first = run()
    assert len(first) == 7 and first == run() and '0.png' not in first


def test_statistics_are_cached_once_and_recomputed_when_a_label_changes(tmp_path, monkeypatch):
    root = write_seg_folder(tmp_path / 'src', masks_with(10, [{}, {1: 20}, {2: 5}]))
    cache = tmp_path / 'cache'
    freq = rcs_dataset(root).rcs.frequencies
    files = list(cache.glob('*.json'))
    assert len(files) == 1 and not list(cache.glob('*.tmp'))
    mtime = files[0].stat().st_mtime_ns

    def no_reading(*args):
        raise AssertionError('a label was read despite the cache')

    with monkeypatch.context() as patch:
        patch.setattr(rcs_module, 'load_label', no_reading)
        assert np.array_equal(rcs_dataset(root).rcs.frequencies, freq)
    assert list(cache.glob('*.json')) == files and files[0].stat().st_mtime_ns == mtime

    label = root / 'ann' / '2.png'
    cv2.imwrite(str(label), masks_with(10, [{2: 50}])[0])
    os.utime(label, ns=(mtime + 10**9, mtime + 10**9))
    changed = rcs_dataset(root).rcs.frequencies
    assert np.allclose(changed, np.array([230, 20, 50]) / 300)
    assert len(list(cache.glob('*.json'))) == 2

    newest = max(cache.glob('*.json'), key=lambda p: p.stat().st_mtime_ns)
    newest.write_text('{"key": "trunc')
    with pytest.warns(UserWarning, match=f'cache {newest}.*recomputing'):
        assert np.allclose(rcs_dataset(root).rcs.frequencies, changed)
    assert newest.read_text().startswith('{"version"')


def test_default_cache_folder_is_under_the_working_directory(tmp_path, monkeypatch):
    root = write_seg_folder(tmp_path / 'src', masks_with(10, [{1: 20}]))
    monkeypatch.chdir(tmp_path)
    DATASETS.build(dict(type='UDADataset', source=seg_cfg(root), target=seg_cfg(root, TARGET_PIPE),
                        rare_class_sampling=dict()))
    assert len(list((tmp_path / 'work_dirs/.cache/rare_class_sampling').glob('*.json'))) == 1


def test_concatenated_sources(tmp_path):
    first = write_seg_folder(tmp_path / 'a', masks_with(16, [{}, {}]))
    second = write_seg_folder(tmp_path / 'b', masks_with(16, [{}, {2: 20}]))
    ds = rcs_dataset(first, source=[seg_cfg(first), seg_cfg(second)], min_pixel_ratio=0.05)
    assert len(ds) == 4 and list(ds.rcs.samples_with_class[2]) == [3]
    assert ds.rcs.probabilities[list(ds.rcs.classes).index(0)] < 1e-30  # (0.98 - 0.02) / T = 96 below c
    np.random.seed(0)
    assert {Path(ds[0]['source']['data_samples'].img_path).parts[-3:] for _ in range(10)} == {('b', 'img', '1.png')}


def test_labels_are_loaded_as_the_pipeline_loads_them_camvid_and_loveda(tmp_path, loveda_root):
    stems = ['0016E5_000010', '0016E5_000020', '0001TP_000010']
    root = write_camvid(tmp_path / 'camvid', {'train': stems})
    camvid = dict(type='CamVidDomainDataset', data_root=str(root), split='train')
    ds = DATASETS.build(dict(type='UDADataset', source=dict(camvid, domain='day', pipeline=SOURCE_PIPE),
                             target=dict(camvid, domain='dusk', pipeline=TARGET_PIPE),
                             rare_class_sampling=dict(cache_dir=str(tmp_path / 'cache'))))
    raw = np.concatenate([cv2.imread(str(root / 'trainannot' / f'{s}.png'), cv2.IMREAD_UNCHANGED).ravel()
                          for s in stems[:2]])
    assert (raw == 11).any()  # CamVid's 'unlabelled' is mapped to the ignore index by the data info's label_map
    counts = np.bincount(raw[raw != 11], minlength=11)
    assert np.allclose(ds.rcs.frequencies, counts / counts.sum())

    loveda = dict(type='LoveDADomainDataset', data_root=str(loveda_root), split='Train')
    ds = DATASETS.build(dict(type='UDADataset', source=dict(loveda, domain='Urban', pipeline=SOURCE_PIPE),
                             target=dict(loveda, domain='Rural', pipeline=TARGET_PIPE),
                             rare_class_sampling=dict(cache_dir=str(tmp_path / 'cache'))))
    raw = np.concatenate([cv2.imread(str(p), cv2.IMREAD_UNCHANGED).ravel()
                          for p in sorted((loveda_root / 'Train/Urban/masks_png').glob('*.png'))])
    counts = np.bincount(raw[raw > 0] - 1, minlength=7)  # reduce_zero_label: 0 is ignored, 1..7 -> 0..6
    assert np.allclose(ds.rcs.frequencies, counts / counts.sum())


@pytest.mark.parametrize('option, message', [
    (dict(temperature=0), r'temperature must be > 0, got 0'),
    (dict(temperature=-1.0), r'temperature must be > 0, got -1.0'),
    (dict(min_pixel_ratio=1.5), r'min_pixel_ratio must be in \(0, 1\], got 1.5'),
    (dict(min_crop_ratio=0), r'min_crop_ratio must be in \(0, 1\], got 0'),
    (dict(max_crop_tries=0), r'max_crop_tries must be an int >= 1, got 0'),
    (dict(temp=0.1, min_pixels=3000), r"unknown rare_class_sampling key\(s\) \['min_pixels', 'temp'\]"),
])
def test_bad_options_are_named(tmp_path, option, message):
    root = write_seg_folder(tmp_path / 'src', masks_with(10, [{1: 20}]))
    with pytest.raises(ValueError, match=message):
        rcs_dataset(root, **option)
    with pytest.raises(TypeError, match='rare_class_sampling must be a dict'):
        DATASETS.build(dict(type='UDADataset', source=seg_cfg(root), target=seg_cfg(root, TARGET_PIPE),
                            rare_class_sampling=True))


def test_sources_that_cannot_be_sampled(tmp_path):
    unlabelled = write_seg_folder(tmp_path / 'ignored', [np.full((10, 10), 255, np.uint8)] * 2)
    with pytest.raises(ValueError, match='the 2 source labels hold no labelled pixel'):
        rcs_dataset(unlabelled)
    root = write_seg_folder(tmp_path / 'src', masks_with(10, [{1: 20}, {7: 3}]))
    with pytest.raises(ValueError, match=r'ann/1\.png holds the value 7, not a class index 0\.\.2'):
        rcs_dataset(root)
    with pytest.raises(ValueError, match='pipeline of BaseSegDataset has none'):
        rcs_dataset(root, pipeline=TARGET_PIPE)
