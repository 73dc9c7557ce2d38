"""Build the deployable segmentor of any config (plain or adaptation) and load a checkpoint into it.

mmseg's ``init_model`` assumes ``model.backbone`` at the top of the config, which an adaptation config
(``model=dict(type=<UDA segmentor>, segmentor=dict(...))``) does not have; and a checkpoint saved by an
adaptation run holds the segmentor's weights under ``segmentor.`` next to discriminators or teachers.
"""
import copy
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.runner.checkpoint import _load_checkpoint
from torch import nn

#: Dataset wrappers whose real dataset sits under ``dataset`` (or ``datasets``).
WRAPPER_DATASETS = ('RepeatDataset', 'ClassBalancedDataset', 'ConcatDataset')


def _prefix_matches(state_keys: Sequence[str], model_keys: Sequence[str]) -> Dict[str, int]:
    """Candidate key prefixes of the checkpoint -> how many model keys they cover."""
    model_set = set(model_keys)
    candidates: List[str] = ['', 'segmentor.']
    probe = model_keys[0] if model_keys else ''
    for key in state_keys:  # e.g. 'module.segmentor.' in front of the model's first key
        if probe and key.endswith('.' + probe):
            prefix = key[:-len(probe)]
            if prefix not in candidates:
                candidates.append(prefix)
    return {p: sum(1 for k in state_keys if k.startswith(p) and k[len(p):] in model_set) for p in candidates}


def segmentor_state_dict(state_dict: Dict[str, torch.Tensor], segmentor: nn.Module,
                         source: str = 'checkpoint') -> Dict[str, torch.Tensor]:
    """The part of ``state_dict`` that belongs to ``segmentor``, with prefixes like ``segmentor.`` removed.

    Works for checkpoints of plain segmentors, of adaptation runs (``segmentor.`` keys next to
    discriminator or teacher keys, which are dropped) and of DDP-wrapped models (``module.``).

    Raises:
        ValueError: If the segmentor's weights are not all in the checkpoint.
    """
    model_keys = list(segmentor.state_dict().keys())
    state_keys = list(state_dict.keys())
    coverage = _prefix_matches(state_keys, model_keys)
    prefix = max(coverage, key=lambda p: coverage[p])  # first best: '' before 'segmentor.'
    model_set = set(model_keys)
    picked = {k[len(prefix):]: v for k, v in state_dict.items()
              if k.startswith(prefix) and k[len(prefix):] in model_set}
    missing = [k for k in model_keys if k not in picked]
    if missing:
        raise ValueError(
            f'{source} does not hold the weights of the config\'s segmentor ({type(segmentor).__name__}): '
            f'{len(missing)} of {len(model_keys)} tensors missing, e.g. {missing[:3]}; checkpoint keys look '
            f'like {state_keys[:3]} (is it a checkpoint of this config?)')
    return picked


def dataset_meta_from_config(cfg: Config) -> Optional[dict]:
    """``classes`` and ``palette`` of the config's test (else val) dataset class, with its ``metainfo``."""
    from mmseg.registry import DATASETS
    for loader in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        dataset = (cfg.get(loader) or {}).get('dataset')
        while isinstance(dataset, dict):
            if dataset.get('type') in WRAPPER_DATASETS or 'source' in dataset:
                inner = dataset.get('source') or dataset.get('dataset') or dataset.get('datasets')
                dataset = inner[0] if isinstance(inner, (list, tuple)) and inner else inner
                continue
            cls = DATASETS.get(dataset.get('type', '')) if isinstance(dataset.get('type'), str) else None
            meta = dict(getattr(cls, 'METAINFO', {}) or {})
            meta.update(dataset.get('metainfo') or {})
            if meta.get('classes') and meta.get('palette'):
                return {'classes': tuple(meta['classes']), 'palette': [list(c) for c in meta['palette']]}
            break
    return None


#: Transforms that need or make labels; an image-only pipeline leaves them out.
LABEL_TRANSFORMS = ('LoadAnnotations', 'CheckSegMap', 'GenerateEdge')


def inference_pipeline(cfg: Config, with_annotations: bool = False) -> List[dict]:
    """The config's test pipeline, or for image-only inference its ``predict_pipeline`` where it defines
    one, else the test pipeline without the transforms that need labels."""
    if not with_annotations and cfg.get('predict_pipeline'):
        return copy.deepcopy(list(cfg.predict_pipeline))
    pipeline = cfg.get('test_pipeline')
    if pipeline is None:
        dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
        while isinstance(dataset, dict) and 'pipeline' not in dataset and 'dataset' in dataset:
            dataset = dataset['dataset']
        pipeline = dataset.get('pipeline') if isinstance(dataset, dict) else None
    if not pipeline:
        raise ValueError('the config has no `test_pipeline` and no `test_dataloader.dataset.pipeline`')
    pipeline = copy.deepcopy(list(pipeline))
    if not with_annotations:
        pipeline = [t for t in pipeline if t.get('type') not in LABEL_TRANSFORMS]
    return pipeline


def load_segmentor_weights(segmentor: nn.Module, checkpoint: str) -> Optional[dict]:
    """Load a checkpoint's segmentor weights (see :func:`segmentor_state_dict`); return its dataset meta.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If it does not hold the segmentor's weights.
    """
    if not Path(checkpoint).is_file():
        raise FileNotFoundError(f'checkpoint file not found: {checkpoint!r}')
    ckpt = _load_checkpoint(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    segmentor.load_state_dict(segmentor_state_dict(state, segmentor, source=f'checkpoint {checkpoint}'))
    meta = (ckpt.get('meta') or {}).get('dataset_meta') if isinstance(ckpt, dict) else None
    if meta and meta.get('classes') and meta.get('palette'):
        return {'classes': tuple(meta['classes']), 'palette': [list(c) for c in meta['palette']]}
    return None


def load_deployable_segmentor(config: Union[str, Path, Config],
                              checkpoint: Optional[str] = None,
                              device: str = 'cpu',
                              cfg_options: Optional[dict] = None) -> nn.Module:
    """The eval-mode deployable segmentor of ``config`` on ``device``, with ``checkpoint``'s weights.

    Unlike a strict load into the full model, the checkpoint may come from the config's own run or from
    any run whose segmentor matches: a plain config reads an adaptation checkpoint and vice versa. The
    segmentor gets ``cfg`` (the loaded config) and ``dataset_meta`` (``classes`` and ``palette``: from
    the checkpoint's meta, else from the config's test dataset class).

    Raises:
        FileNotFoundError: If the config or checkpoint file is missing.
        ValueError: If the checkpoint does not hold the segmentor's weights, or no class names and
            palette can be found.
    """
    from mmseg_da.deploy import build_deployable_segmentor  # mmseg_da.deploy imports this package
    segmentor, cfg = build_deployable_segmentor(str(config) if isinstance(config, Path) else config,
                                                None, cfg_options, 'cpu')
    meta = load_segmentor_weights(segmentor, checkpoint) if checkpoint is not None else None
    meta = meta or dataset_meta_from_config(cfg)
    if meta is None:
        raise ValueError('no class names and palette: neither the checkpoint\'s meta nor the config\'s '
                         'test dataset defines `classes` and `palette`')
    segmentor.dataset_meta = meta
    segmentor.cfg = cfg
    if str(device).startswith('cpu'):
        segmentor = revert_sync_batchnorm(segmentor)
    return segmentor.to(device).eval()
