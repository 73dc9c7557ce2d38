"""DomainIoUMetric: hand-computed per-domain IoUs, tables, and save_best on a domain in a real Runner."""
import uuid
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmengine.model import BaseModel
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import nn

import mmseg_da  # noqa: F401  (registers DomainIoUMetric)


def sample(pred, gt, domain=None) -> SegDataSample:
    s = SegDataSample(metainfo={} if domain is None else dict(domain=domain))
    s.pred_sem_seg = PixelData(data=torch.tensor([pred]))
    s.gt_sem_seg = PixelData(data=torch.tensor([gt]))
    return s


def evaluate(samples, log_file: Path) -> dict:
    init_default_scope('mmseg')
    MMLogger.get_instance(f'test_domain_iou_{uuid.uuid4().hex}', log_file=str(log_file))
    evaluator = Evaluator(dict(type='DomainIoUMetric'))
    evaluator.dataset_meta = dict(classes=('a', 'b'))
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


# Domain A: pred [[0,0],[1,1]] vs gt [[0,1],[1,1]] -> a: I1 U2 (IoU .5, Acc 1/1); b: I2 U3 (IoU 2/3, Acc 2/3)
# Domain B: pred all 1 vs gt [[0,0],[1,ignore]] -> a: I0 U2 (IoU 0, Acc 0/2); b: I1 U3 (IoU 1/3, Acc 1/1)
# All: a: I1 U4 (IoU .25, Acc 1/3); b: I3 U6 (IoU .5, Acc 3/4); aAcc 4/7
TOY = [([[0, 0], [1, 1]], [[0, 1], [1, 1]], 'A'), ([[1, 1], [1, 1]], [[0, 0], [1, 255]], 'B')]


def test_hand_computed_per_domain_ious(tmp_path):
    metrics = evaluate([sample(*t) for t in TOY], tmp_path / 'log.txt')
    expected = {
        'aAcc': 57.14, 'mIoU': 37.5, 'mAcc': 54.17,
        'A/aAcc': 75.0, 'A/mIoU': 58.33, 'A/mAcc': 83.33, 'A/IoU.a': 50.0, 'A/IoU.b': 66.67,
        'B/aAcc': 33.33, 'B/mIoU': 16.67, 'B/mAcc': 50.0, 'B/IoU.a': 0.0, 'B/IoU.b': 33.33,
    }
    assert set(metrics) == set(expected)
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value, abs=0.01), key
    log = (tmp_path / 'log.txt').read_text()
    assert 'per class results, domain A:' in log and 'per class results, domain B:' in log
    assert 'summary by domain:' in log and '| 16.67 |' in log


def test_samples_without_domain_count_only_overall(tmp_path):
    no_domain = sample([[0, 0], [0, 0]], [[0, 0], [0, 0]])
    metrics = evaluate([sample(*TOY[0]), no_domain], tmp_path / 'log.txt')
    assert metrics['A/mIoU'] == pytest.approx(58.33, abs=0.01)
    # overall: a: I5 U6, b: I2 U3 -> mIoU (5/6 + 2/3) / 2 = 75
    assert metrics['mIoU'] == pytest.approx(75.0, abs=0.01) and metrics['aAcc'] == pytest.approx(87.5)
    assert not [k for k in metrics if k.startswith('None')]


# -- save_best='Rural/mIoU' with mmengine's CheckpointHook, in a real Runner ---------------------------------
class TinySegmentor(BaseModel):
    """A 1x1 convolution: just enough of a segmentor for the Runner's train and val loops."""

    def __init__(self) -> None:
        super().__init__(data_preprocessor=dict(type='SegDataPreProcessor', mean=[0, 0, 0], std=[255, 255, 255],
                                                   size=(32, 32)))
        self.conv = nn.Conv2d(3, 7, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self.conv(inputs)
        if mode == 'loss':
            gt = torch.stack([s.gt_sem_seg.data[0] for s in data_samples]).long()
            return dict(loss=F.cross_entropy(logits, gt, ignore_index=255))
        if mode == 'predict':
            for s, logit in zip(data_samples, logits):
                s.pred_sem_seg = PixelData(data=logit.argmax(0, keepdim=True))
            return data_samples
        return logits


def write_tiles(root: Path) -> None:
    rng = np.random.default_rng(0)
    for split in ('Train', 'Val'):
        for domain in ('Urban', 'Rural'):
            for sub in ('images_png', 'masks_png'):
                (root / split / domain / sub).mkdir(parents=True)
            for i in range(2):
                mask = rng.integers(0, 8, (32, 32)).astype(np.uint8)
                cv2.imwrite(str(root / split / domain / 'images_png' / f'{i}.png'), np.dstack([mask * 30] * 3))
                cv2.imwrite(str(root / split / domain / 'masks_png' / f'{i}.png'), mask)


def test_save_best_on_a_domain_metric_in_a_runner(tmp_path):
    root = tmp_path / 'loveDA'
    write_tiles(root)
    pipe = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
            dict(type='PackDomainSegInputs')]

    def loader(split):
        return dict(batch_size=2, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=split == 'Train'),
                    dataset=dict(type='LoveDADomainDataset', data_root=str(root), split=split, pipeline=pipe))

    runner = Runner(
        model=TinySegmentor(), work_dir=str(tmp_path / 'work'), default_scope='mmseg',
        experiment_name=f'save_best_{uuid.uuid4().hex}',
        train_dataloader=loader('Train'), val_dataloader=loader('Val'),
        train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=1), val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        val_evaluator=dict(type='DomainIoUMetric'),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1, save_best='Rural/mIoU')),
        env_cfg=dict(dist_cfg=dict(backend='gloo')), log_level='WARNING')
    runner.train()
    best = list((tmp_path / 'work').glob('best_Rural_mIoU_epoch_*.pth'))
    assert len(best) == 1
    assert runner.message_hub.get_info('best_score') is not None
    metrics = runner.val_loop.run()
    assert {'Urban/mIoU', 'Rural/mIoU', 'Rural/IoU.building', 'mIoU'} <= set(metrics)
