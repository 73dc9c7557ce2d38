"""Build the project's model base configs, and tiny batches for them (shared by the model tests)."""
import functools
from pathlib import Path
from typing import List, Optional

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_da  # noqa: F401  (registers DLV2Head and the losses)

REPO_ROOT = Path(__file__).resolve().parents[2]
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
