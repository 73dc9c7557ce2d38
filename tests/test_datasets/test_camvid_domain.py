"""CamVidDomainDataset: real day/dusk counts and labels, prefix-based domains, 11 -> 255, errors."""
from pathlib import Path

import cv2
import numpy as np
import pytest
from da_testing.writers import write_camvid

from mmseg_da.datasets import CamVidDomainDataset
from mmseg_da.datasets.camvid import domain_of

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='CheckSegMap', num_classes=11),
        dict(type='PackDomainSegInputs')]
LOAD_MASK = [dict(type='LoadAnnotations'), dict(type='CheckSegMap', num_classes=11)]


def test_real_camvid_domain_sizes(camvid_root):
    assert len(CamVidDomainDataset(str(camvid_root), split='train', domain='day')) == 305
    assert len(CamVidDomainDataset(str(camvid_root), split='train', domain='dusk')) == 62
    assert len(CamVidDomainDataset(str(camvid_root), split='val', domain='day')) == 101
    assert len(CamVidDomainDataset(str(camvid_root), split='train')) == 367
    with pytest.raises(FileNotFoundError, match=r"no CamVid frames of domain 'dusk' .*val\.txt"):
        CamVidDomainDataset(str(camvid_root), split='val', domain='dusk')


def test_real_camvid_labels_are_classes_or_ignore(camvid_root):
    seen = set()
    for split, domain in (('train', 'dusk'), ('train', 'day'), ('val', 'day')):
        ds = CamVidDomainDataset(str(camvid_root), split=split, domain=domain, pipeline=LOAD_MASK)
        for i in range(0, len(ds), 7):  # a spread of frames of every sequence
            info = ds.get_data_info(i)
            assert info['domain'] == domain and domain_of(Path(info['img_path']).name) == domain
            info['ori_shape'] = (360, 480)
            seg = ds.pipeline(info)['gt_seg_map']
            assert seg.shape == (360, 480)
            seen |= set(np.unique(seg).tolist())
    assert seen <= set(range(11)) | {255}
    assert 255 in seen and len(seen) == 12  # every class occurs, and unlabelled became 255


def test_real_camvid_sample_is_packed_with_its_domain(camvid_root):
    ds = CamVidDomainDataset(str(camvid_root), split='train', domain='dusk', pipeline=LOAD)
    sample = ds[0]['data_samples']
    assert sample.domain == 'dusk' and Path(sample.img_path).name.startswith('0001TP')
    assert ds.metainfo['classes'][0] == 'sky' and len(ds.metainfo['classes']) == 11


def test_prefix_domains_label_map_and_unknown_sequences(tmp_path):
    root = write_camvid(tmp_path / 'camvid', {'train': ['0001TP_000010', '0016E5_000020', 'Seq05VD_f0030',
                                                         'Other_000040']})
    day = CamVidDomainDataset(str(root), split='train', domain='day', pipeline=LOAD)
    assert [Path(day.get_data_info(i)['img_path']).name for i in range(len(day))] == \
        ['0016E5_000020.png', 'Seq05VD_f0030.png']
    both = CamVidDomainDataset(str(root), split='train', pipeline=LOAD)
    assert len(both) == 3  # the unknown sequence belongs to no domain
    raw = cv2.imread(str(root / 'trainannot/0001TP_000010.png'), cv2.IMREAD_UNCHANGED)
    seg = both[0]['data_samples'].gt_sem_seg.data.numpy()[0]
    assert (raw == 11).any()
    assert np.array_equal(seg, np.where(raw == 11, 255, raw))


def test_missing_files_are_named(tmp_path):
    root = write_camvid(tmp_path / 'camvid', {'train': ['0001TP_000010', '0006R0_000020']})
    with pytest.raises(FileNotFoundError, match=r"list file of split 'val' not found: .*val\.txt"):
        CamVidDomainDataset(str(root), split='val')
    with pytest.raises(FileNotFoundError, match=r'CamVid data root not found: .*nowhere'):
        CamVidDomainDataset(str(tmp_path / 'nowhere'))
    (root / 'trainannot/0006R0_000020.png').unlink()
    with pytest.raises(FileNotFoundError, match=r'mask of .*0006R0_000020\.png \(line 2 of .*train\.txt\)'):
        CamVidDomainDataset(str(root), split='train')
    with pytest.raises(ValueError, match=r"unknown CamVid domain\(s\) \['night'\]"):
        CamVidDomainDataset(str(root), domain='night')


def test_heldout_protocol_selects_sequences_and_time_blocks(tmp_path):
    names = {'train': ['0016E5_00010', '0006R0_00020', '0006R0_00030'] + [f'0001TP_{i:05d}' for i in range(40, 50)],
             'val': ['0016E5_00060', '0016E5_00070']}
    root = write_camvid(tmp_path, names)
    source = CamVidDomainDataset(str(root), split=('train', 'val'), domain='day', sequences=('0016E5', ))
    assert sorted(Path(source.get_data_info(i)['img_path']).stem for i in range(len(source))) == [
        '0016E5_00010', '0016E5_00060', '0016E5_00070']
    day = CamVidDomainDataset(str(root), split='train', domain='day', sequences=('0006R0', ), domain_name='day_heldout')
    assert len(day) == 2 and {day.get_data_info(i)['domain'] for i in range(2)} == {'day_heldout'}
    blocks = [CamVidDomainDataset(str(root), split='train', domain='dusk', time_block=b) for b in ((0, .5), (.5, 1))]
    frames = [[Path(b.get_data_info(i)['img_path']).stem for i in range(len(b))] for b in blocks]
    # contiguous in time, disjoint, together the whole sequence
    assert frames[0] == [f'0001TP_{i:05d}' for i in range(40, 45)] and frames[1] == [
        f'0001TP_{i:05d}' for i in range(45, 50)]
    with pytest.raises(ValueError, match='time_block'):
        CamVidDomainDataset(str(root), split='train', domain='dusk', time_block=(0.5, 0.5))
    with pytest.raises(FileNotFoundError, match=r"sequences \['0009XX'\]"):
        CamVidDomainDataset(str(root), split='train', domain='day', sequences=('0009XX', ))


def test_real_heldout_protocol_sizes(camvid_root):
    from mmengine.config import Config
    cfg = Config.fromfile(str(Path(__file__).parents[2] / 'configs/camvid_heldout_warmup.py'))
    sizes = [len(CamVidDomainDataset(**{k: v for k, v in dict(d, data_root=str(camvid_root), pipeline=[]).items()
                                        if k != "type"}))
             for d in cfg.val_dataloader.dataset.datasets]
    assert sizes == [101, 31, 31]  # day 0006R0, dusk adaptation block, dusk held-out block
    source = dict(cfg.train_dataloader.dataset.source, data_root=str(camvid_root), pipeline=[])
    assert len(CamVidDomainDataset(**{k: v for k, v in source.items() if k != 'type'})) == 305
