"""AdaBN (Li et al., 2016): a trained segmentor's BatchNorm statistics re-estimated on the unlabelled target
training images, written as an ordinary checkpoint.

No gradient step is taken: the weights are the source checkpoint's, only the BatchNorm running means and
variances change, to those of the target images as the deployed model sees them. It is the free baseline
every adaptation method must beat. :func:`adapt_bn` loads the weights strictly
(:func:`~mmseg_da.apis.init_segmentor`), builds the target dataset of the config's adaptation training set
(:func:`~mmseg_da.config.walk.find_target_dataset`) with the config's test pipeline less its annotation
loaders (no label is read), re-estimates the statistics
(:func:`~mmseg_da.apis.bn_statistics.reestimate_bn_statistics`) and writes the checkpoint atomically.
"""
import copy
import os
import os.path as osp
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmseg_da.config.loading import load_config
from mmseg_da.config.walk import dataset_configs, find_target_dataset
from mmseg_da.fileio.atomic_files import replace_atomically

from .bn_statistics import reestimate_bn_statistics
from .checkpoint import SEGMENTOR_PREFIX, checkpoint_state_dict, read_checkpoint
from .init_segmentor import init_segmentor

#: What the written checkpoint's ``meta`` records the adaptation under.
META_KEY = 'adabn'


def _is_label_loader(transform: Any) -> bool:
    """Whether a pipeline step reads labels (mmcv/mmseg ``LoadAnnotations``, the project's
    ``CheckedLoadAnnotations``, ``Load*Annotation``)."""
    kind = transform.get('type') if isinstance(transform, dict) else None
    name = kind if isinstance(kind, str) else getattr(kind, '__name__', '')
    name = name.rsplit('.', 1)[-1]
    return name.startswith(('Load', 'CheckedLoad')) and 'Annotation' in name


def label_free_pipeline(cfg: Config, target: dict) -> List[dict]:
    """The config's test pipeline for the target domain, without the steps that load labels.

    The test set's dataset of the target's ``domain`` gives the pipeline (else the first test dataset, else
    the top-level ``test_pipeline``): the images are resized as at inference, with no random augmentation.
    """
    tests = list(dataset_configs((cfg.get('test_dataloader') or {}).get('dataset')))
    same = [d for d in tests if target.get('domain') is not None and d.get('domain') == target.get('domain')]
    chosen = (same or tests or [{}])[0].get('pipeline') or cfg.get('test_pipeline')
    if not chosen:
        raise ValueError('AdaBN builds the target images with the config\'s test pipeline, but the config has '
                         'none (test_dataloader.dataset.pipeline or test_pipeline)')
    return [copy.deepcopy(dict(t)) for t in chosen if not _is_label_loader(t)]


def target_dataloader(cfg: Config, batch_size: int, seed: int = 0, shuffle: bool = True) -> Any:
    """The unlabelled target training images of an adaptation config, as a test-like dataloader.

    Raises:
        ValueError: The config's training set has no target dataset (not an adaptation config).
    """
    train = (cfg.get('train_dataloader') or {}).get('dataset')
    target = find_target_dataset(train)
    if target is None:
        raise ValueError('AdaBN re-estimates BatchNorm statistics on the target training images, but the '
                         'config\'s train_dataloader.dataset has no target (a UDADataset\'s `target`): use '
                         'an adaptation config, e.g. configs/camvid_day2dusk_source_only.py')
    dataset = dict(copy.deepcopy(dict(target)), pipeline=label_free_pipeline(cfg, target))
    return Runner.build_dataloader(
        dict(dataset=dataset, batch_size=batch_size, num_workers=0, persistent_workers=False,
             sampler=dict(type='DefaultSampler', shuffle=shuffle), collate_fn=dict(type='pseudo_collate')),
        seed=seed)


def _adapted_state(source: Dict[str, torch.Tensor], segmentor: torch.nn.Module) -> 'OrderedDict[str, Any]':
    """The source checkpoint's weights with the segmentor's replaced by ``segmentor``'s, in the same layout
    (a plain checkpoint's keys, or an adaptation checkpoint's ``segmentor.*``; its other weights kept)."""
    prefix = SEGMENTOR_PREFIX if any(k.startswith(SEGMENTOR_PREFIX) for k in source) else ''
    state = OrderedDict(source)
    for key, value in segmentor.state_dict().items():
        state[prefix + key] = value.detach().cpu()
    return state


def adapt_bn(config: Union[str, Path, Config], checkpoint: str, out: str, cfg_options: Optional[dict] = None,
             max_batches: Optional[int] = None, batch_size: int = 4, device: str = 'cpu', seed: int = 0,
             shuffle: bool = True) -> str:
    """Write ``checkpoint`` with BatchNorm statistics re-estimated on the config's target training images.

    Args:
        config: An adaptation config (its ``train_dataloader`` holds a target dataset) or its path.
        checkpoint: The weights to adapt (source-only or any), plain or adaptation layout; loaded strictly.
        out: Where the adapted checkpoint is written (its folder is created).
        cfg_options: Overrides merged into the config.
        max_batches: At most this many batches of target images; None uses every one once.
        batch_size: Target images per forward pass.
        device: Where the forward passes run.
        seed: Seed of the random order of the target images.
        shuffle: Batches of target images in a random order (True, as training draws them) or in order.

    Returns:
        ``out``. The checkpoint holds ``state_dict`` (the source's weights and layout, the segmentor's
        BatchNorm statistics replaced) and ``meta`` (the source's, plus ``meta['adabn']``: the source
        checkpoint, the config, the number of target images and batches). The source's optimizer and loop
        state are not copied: the file is for testing and deploying, not for resuming a run.

    Raises:
        FileNotFoundError: A missing config or checkpoint.
        ValueError: No target dataset, no test pipeline, a checkpoint that does not match the config, or
            what :func:`~mmseg_da.apis.reestimate_bn_statistics` refuses.
    """
    cfg = copy.deepcopy(config) if isinstance(config, Config) else load_config(str(config), cfg_options)
    if isinstance(config, Config) and cfg_options:
        cfg.merge_from_dict(cfg_options)
    segmentor = init_segmentor(cfg, checkpoint, device=device)
    source = read_checkpoint(str(checkpoint))
    loader = target_dataloader(cfg, batch_size=1, seed=seed, shuffle=shuffle)
    images = []
    hook = segmentor.register_forward_pre_hook(lambda module, args: images.append(int(args[0].shape[0])))
    try:
        batches = reestimate_bn_statistics(segmentor, loader, max_batches=max_batches, batch_size=batch_size)
    finally:
        hook.remove()
    meta = dict(source.get('meta') or {})
    if segmentor.dataset_meta and 'dataset_meta' not in meta:
        meta['dataset_meta'] = segmentor.dataset_meta
    meta[META_KEY] = dict(method='adabn', source_checkpoint=str(checkpoint),
                          config=str(cfg.filename or ''),
                          target_images=sum(images), target_dataset_images=len(loader.dataset),
                          bn_batches=batches, batch_size=batch_size, seed=seed, shuffle=shuffle)
    state = dict(meta=meta, state_dict=_adapted_state(checkpoint_state_dict(source), segmentor))
    folder = osp.dirname(osp.abspath(out))
    os.makedirs(folder, exist_ok=True)
    replace_atomically(str(out), lambda tmp: torch.save(state, tmp))
    return str(out)
