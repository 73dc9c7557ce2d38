"""Build the project's model base configs, and tiny batches for them (shared by the model tests)."""
import functools
from typing import List, Optional

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_da  # noqa: F401  (registers DLV2Head and the losses)
from da_testing import REPO_ROOT  # noqa: E402

MODEL_BASES = REPO_ROOT / 'configs' / '_base_' / 'models'


def model_cfg(name: str, overrides: Optional[dict] = None) -> Config:
    """``model`` of ``configs/_base_/models/<name>.py``, ImageNet init dropped, ``overrides`` merged.

    ``overrides`` maps dotted keys inside ``model`` to values, e.g. ``{'backbone.init_cfg': ...}``.
    """
    cfg = Config.fromfile(str(MODEL_BASES / f'{name}.py'))
    cfg.merge_from_dict({'model.backbone.init_cfg': None,
                         **{f'model.{k}': v for k, v in (overrides or {}).items()}})
    return cfg.model


def build(name: str, overrides: Optional[dict] = None) -> torch.nn.Module:
    """A fresh (not yet initialised) model from a base config."""
    init_default_scope('mmseg')
    return MODELS.build(model_cfg(name, overrides))


@functools.lru_cache(maxsize=None)
def shared(name: str) -> torch.nn.Module:
    """One model per base config for the whole test session (ResNet-101 is slow to build).

    Tests must not modify it in place (deep-copy it, or restore what they change).
    """
    torch.manual_seed(0)
    model = build(name)
    model.init_weights()
    return model


def n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def batch(n: int, size: int, num_classes: int = 7, with_edges: bool = False,
          ignore_fraction: float = 0.1, seed: int = 0):
    """Random images and data samples with labels (some pixels 255) and, optionally, boundary maps."""
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(n, 3, size, size, generator=g)
    samples: List[SegDataSample] = []
    for _ in range(n):
        label = torch.randint(0, num_classes, (1, size, size), generator=g)
        label[torch.rand(1, size, size, generator=g) < ignore_fraction] = 255
        sample = SegDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                                             pad_shape=(size, size)))
        sample.gt_sem_seg = PixelData(data=label)
        if with_edges:
            edge = torch.zeros(1, size, size, dtype=torch.long)
            edge[:, size // 2 - 1:size // 2 + 1, :] = 1  # a horizontal boundary band
            sample.gt_edge_map = PixelData(data=edge)
        samples.append(sample)
    return inputs, samples


def params_without_grad(model: torch.nn.Module, skip: Optional[str] = None) -> List[str]:
    return [name for name, p in model.named_parameters()
            if p.requires_grad and p.grad is None and not (skip and name.startswith(skip))]


#: Classes of the tiny models and batches below.
NUM_CLASSES = 4
TINY_PREPROCESSOR = dict(type='SegDataPreProcessor', mean=[128] * 3, std=[64] * 3, bgr_to_rgb=True, size=(32, 32),
                         pad_val=0, seg_pad_val=255)


def tiny_pidnet(num_classes: int = NUM_CLASSES, head_channels: int = 8, dropout_ratio: float = 0.0,
                data_preprocessor: Optional[dict] = None) -> dict:
    """PIDNet with 8 channels: the real PIDNet/PIDHead code paths (P, I, D outputs), a few k parameters.

    ``dropout_ratio`` 0 makes train-mode outputs deterministic.
    """
    return dict(
        type='EncoderDecoder',
        data_preprocessor=data_preprocessor or TINY_PREPROCESSOR,
        backbone=dict(type='PIDNet', in_channels=3, channels=8, ppm_channels=8, num_stem_blocks=1,
                      num_branch_blocks=1, norm_cfg=dict(type='BN'), init_cfg=None),
        decode_head=dict(
            type='PIDHead', in_channels=32, channels=head_channels, num_classes=num_classes,
            norm_cfg=dict(type='BN'), align_corners=True, dropout_ratio=dropout_ratio,
            loss_decode=[dict(type='PlainCrossEntropyLoss', loss_weight=0.4),
                         dict(type='PlainCrossEntropyLoss', loss_weight=1.0),
                         dict(type='BoundaryLoss', loss_weight=20.0),
                         dict(type='PlainCrossEntropyLoss', loss_weight=1.0)]),
        train_cfg=dict(), test_cfg=dict(mode='whole'))


def uda_batch(n: int = 2, seed: int = 0) -> dict:
    """``{'source', 'target'}`` of ``n`` random 32x32 uint8 images each; source samples with labels and edges."""
    g = torch.Generator().manual_seed(seed)
    source = dict(inputs=[], data_samples=[])
    target = dict(inputs=[], data_samples=[])
    for _ in range(n):
        for branch, labelled in ((source, True), (target, False)):
            branch['inputs'].append(torch.randint(0, 256, (3, 32, 32), generator=g, dtype=torch.uint8))
            sample = SegDataSample(metainfo=dict(img_shape=(32, 32), ori_shape=(32, 32)))
            if labelled:
                label = torch.randint(0, NUM_CLASSES, (1, 32, 32), generator=g)
                label[:, :4] = 255
                sample.gt_sem_seg = PixelData(data=label)
                sample.gt_edge_map = PixelData(data=(torch.rand(1, 32, 32, generator=g) > 0.8).long())
            branch['data_samples'].append(sample)
    return dict(source=source, target=target)
