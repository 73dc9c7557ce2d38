"""Export the deployable segmentor of an adaptation checkpoint as a plain mmseg checkpoint.

Adaptation checkpoints hold ``segmentor.*`` weights next to discriminators (or a teacher) and the state of
every optimizer. The export keeps only the segmentor's weights, renamed as a plain segmentor config expects
them (``backbone.*``, ``decode_head.*``, ...), and the checkpoint's ``meta`` (dataset classes and palette,
mmseg version, ...), so that mmseg's ``init_model``, ``tools/test.py`` with a plain config, ``get_flops``
and the benchmark load it.
"""
import os.path as osp
from collections import OrderedDict
from typing import List, Optional, Tuple

import torch
from mmengine.config import Config

from mmseg_da.datasets.transforms.loading import with_host_loaders
from mmseg_da.fileio.required_paths import require_file

from .checkpoint import read_checkpoint, segmentor_state_dict
from .init_segmentor import init_segmentor

#: Settings of an adaptation config that make no sense for the plain segmentor.
TRAINING_KEYS = ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler', 'model_wrapper_cfg',
                 'custom_hooks', 'source_pipeline', 'target_pipeline', 'train_pipeline', 'resume', 'load_from')


def plain_config(config: str, out: str) -> None:
    """Write ``config`` with ``model = model.segmentor`` and without its training settings.

    The project's checked loaders become mmcv's/mmseg's own (``LoadImageFromFile``, ``LoadAnnotations``),
    which mmseg's ``MMSegInferencer`` looks for by name.
    """
    cfg = Config.fromfile(require_file(config, 'config file'))
    if 'segmentor' in cfg.model:
        cfg.model = cfg.model.segmentor
    for key in TRAINING_KEYS:
        cfg.pop(key, None)
    Config(with_host_loaders(cfg.to_dict()), filename=cfg.filename).dump(out)


def export_state(checkpoint: dict, prefix: str, source: str = 'checkpoint') -> dict:
    """The plain-segmentor checkpoint (``meta`` + ``state_dict``) inside an adaptation checkpoint."""
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, dict):
        raise ValueError(f'{source}: no state_dict found')
    weights = OrderedDict((k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))
    if not weights:
        heads = sorted({k.split('.')[0] for k in state})
        raise ValueError(f'{source}: no weights start with {prefix!r} (top-level names: {heads}); is it '
                         f'an adaptation checkpoint? Plain segmentor checkpoints need no export')
    meta = dict(checkpoint.get('meta') or {})
    meta['exported_from'] = source
    meta['exported_prefix'] = prefix
    return dict(meta=meta, state_dict=weights)


def check_loads(state_dict: dict, config: str) -> None:
    """Check strictly that ``state_dict`` is exactly the weights of the config's deployable segmentor."""
    segmentor_state_dict(state_dict, init_segmentor(require_file(config, 'config file')), 'the exported weights',
                         repr(config))


def export_segmentor(checkpoint: str, out: str, prefix: str = 'segmentor.',
                     config: Optional[str] = None) -> Tuple[dict, List[str]]:
    """Write the plain-segmentor checkpoint of the adaptation checkpoint ``checkpoint`` to ``out``.

    Args:
        checkpoint: Checkpoint written by an adaptation run.
        out: Path of the plain checkpoint; its folder must exist.
        prefix: State-dict prefix of the deployable segmentor.
        config: If given, first check that the weights load strictly into its segmentor.

    Returns:
        The exported checkpoint, and the top-level names of the weights left out (discriminators, ...).
    """
    loaded = read_checkpoint(checkpoint)
    exported = export_state(loaded, prefix, osp.abspath(checkpoint))
    if config:
        check_loads(exported['state_dict'], config)
    out_dir = osp.dirname(osp.abspath(out))
    if not osp.isdir(out_dir):
        raise NotADirectoryError(f'output directory does not exist: {out_dir!r}')
    torch.save(exported, out)
    return exported, sorted({k.split('.')[0] for k in loaded.get('state_dict', {}) if not k.startswith(prefix)})
