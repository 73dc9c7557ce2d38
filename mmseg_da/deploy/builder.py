"""Build the deployable segmentor of any config (plain or adaptation), optionally with trained weights."""
from typing import Optional, Sequence, Tuple, Union

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from torch import nn

from mmseg_da.utils import deployable_segmentor
from mmseg_da.utils.cli import load_config, require_file


def build_deployable_segmentor(config: Union[str, Config],
                               checkpoint: Optional[str] = None,
                               cfg_options: Optional[dict] = None,
                               device: Union[str, torch.device] = 'cpu') -> Tuple[nn.Module, Config]:
    """The eval-mode deployable segmentor of ``config`` and the config it was built from.

    Pretrained ``init_cfg`` weights are not loaded (the weights are ``checkpoint``'s, or random):
    FLOPs and latency do not depend on them and no download is attempted. A checkpoint is loaded
    strictly into the full model (an adaptation run's ``segmentor.*``/``discriminator.*`` keys
    included) before it is reduced to the deployable segmentor, without discriminators or teachers.
    """
    cfg = config if isinstance(config, Config) else load_config(config, cfg_options)
    if isinstance(config, Config) and cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise KeyError(f'{cfg.filename or config} defines no `model`')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    from mmseg.registry import MODELS
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        if '://' not in checkpoint:
            require_file(checkpoint, 'checkpoint file')
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    segmentor = deployable_segmentor(model).to(device).eval()
    return segmentor, cfg


def parse_shape(shape: Sequence[int]) -> Tuple[int, int]:
    """``--shape H W`` or ``--shape S`` as (H, W), with a clear error for anything else."""
    if len(shape) == 1:
        shape = (shape[0], shape[0])
    if len(shape) != 2 or any(int(s) <= 0 for s in shape):
        raise ValueError(f'--shape takes H W (or one size S), positive integers; got {list(shape)}')
    return int(shape[0]), int(shape[1])
