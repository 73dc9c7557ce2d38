"""``init_segmentor``: the one way to turn a config and a checkpoint into a ready segmentor.

Mirrors ``mmseg.apis.init_model``, which assumes ``model.backbone`` at the top of the config (an
adaptation config has ``model=dict(type=<UDA segmentor>, segmentor=dict(...))``) and loads non-strictly.
"""
from pathlib import Path
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from torch import nn

from mmseg_da.config.loading import load_config
from mmseg_da.config.walk import dataset_configs
from mmseg_da.models.utils.deployable import deployable_segmentor

from .checkpoint import load_segmentor_checkpoint


def dataset_meta_from_config(cfg: Config) -> Optional[dict]:
    """``classes`` and ``palette`` of the config's test (else val, train) dataset class and ``metainfo``.

    The first dataset inside each loader's wrappers (a ``UDADataset``'s first source) is read.
    """
    from mmseg.registry import DATASETS
    for loader in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        dataset = next(dataset_configs((cfg.get(loader) or {}).get('dataset')), None)
        if dataset is None:
            continue
        cls = DATASETS.get(dataset['type']) if isinstance(dataset.get('type'), str) else None
        meta = dict(getattr(cls, 'METAINFO', {}) or {})
        meta.update(dataset.get('metainfo') or {})
        if meta.get('classes') and meta.get('palette'):
            return {'classes': tuple(meta['classes']), 'palette': [list(c) for c in meta['palette']]}
    return None


def init_segmentor(config: Union[str, Path, Config],
                   checkpoint: Optional[str] = None,
                   device: Union[str, torch.device] = 'cpu',
                   cfg_options: Optional[dict] = None) -> nn.Module:
    """The eval-mode deployable segmentor of ``config`` on ``device``, with ``checkpoint``'s weights.

    Works for plain and adaptation configs alike and returns the plain mmseg segmentor (no
    discriminators, no teacher). The checkpoint may be a plain, exported or adaptation checkpoint
    (``segmentor.*`` keys; teacher and discriminator keys are ignored) and is loaded strictly. Pretrained
    ``init_cfg`` weights are never fetched: the weights are the checkpoint's, or random without one.

    Args:
        config: Config file or loaded config.
        checkpoint: Checkpoint path or URL; None keeps the random initialisation.
        device: Where to put the model.
        cfg_options: Overrides merged into the config.

    Returns:
        The segmentor, with ``cfg`` (the config) and ``dataset_meta`` (``classes`` and ``palette`` from
        the checkpoint's meta, else from the config's datasets, else None) set on it.

    Raises:
        FileNotFoundError: If the config or checkpoint file is missing.
        ValueError: If the checkpoint is unreadable or does not match the config's segmentor
            (:class:`~mmseg_da.apis.checkpoint.CheckpointMismatchError`).
    """
    if isinstance(config, Config):
        cfg = config
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
    else:
        cfg = load_config(str(config), cfg_options)
    if 'model' not in cfg:
        raise KeyError(f'{cfg.filename or config} defines no `model`')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    from mmseg.registry import MODELS
    segmentor = deployable_segmentor(MODELS.build(cfg.model))
    meta = None
    if checkpoint is not None:
        meta = load_segmentor_checkpoint(segmentor, str(checkpoint), config=repr(cfg.filename or str(config)))
    segmentor.dataset_meta = meta or dataset_meta_from_config(cfg)
    segmentor.cfg = cfg
    if str(device).startswith('cpu'):
        segmentor = revert_sync_batchnorm(segmentor)
    return segmentor.to(device).eval()
