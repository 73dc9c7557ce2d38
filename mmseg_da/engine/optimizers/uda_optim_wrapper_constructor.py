"""One optimizer wrapper per submodule of an adaptation model, from config."""
import copy
from typing import Optional

from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn

#: Used for a model's ``discriminator`` when the config has no entry for it (AdaptSegNet's optimizer).
DEFAULT_DISCRIMINATOR = dict(optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99)))


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class UDAOptimWrapperConstructor:
    """Build an ``OptimWrapperDict`` keyed by submodule name.

    Example::

        optim_wrapper = dict(
            constructor='UDAOptimWrapperConstructor',
            segmentor=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4)),
            discriminator=dict(optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99))))

    Each entry is an ordinary optimizer-wrapper config (``type`` defaults to ``'OptimWrapper'``;
    ``AmpOptimWrapper``, ``clip_grad``, ``paramwise_cfg`` and a per-entry ``constructor`` are
    allowed) and is built by mmengine's ``DefaultOptimWrapperConstructor`` (or that constructor) on
    the model's submodule of the same name. A model's ``discriminator`` without an entry gets Adam
    (lr 1e-4, betas (0.9, 0.99)) in a wrapper of the segmentor entry's type (so ``--amp`` covers it).
    A submodule with trainable parameters and no entry is an error (it would silently not train).
    ``param_scheduler`` may be a dict keyed the same way; mmengine's Runner builds it per key.

    Args:
        optim_wrapper_cfg (dict): The ``optim_wrapper`` config without ``constructor``.
        paramwise_cfg (dict, optional): Must be None (put it inside each entry).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        if paramwise_cfg is not None:
            raise ValueError('optim_wrapper.paramwise_cfg: with UDAOptimWrapperConstructor, put '
                             'paramwise_cfg inside each submodule entry, e.g. segmentor=dict(optimizer='
                             '..., paramwise_cfg=...)')
        bad = [k for k, v in optim_wrapper_cfg.items() if not isinstance(v, dict) or 'optimizer' not in v]
        if bad:
            raise ValueError(
                f'optim_wrapper: with UDAOptimWrapperConstructor every key names a submodule and holds '
                f'dict(optimizer=...), e.g. segmentor=dict(optimizer=dict(type="SGD", lr=0.01)); '
                f'invalid: {bad}')
        if not optim_wrapper_cfg:
            raise ValueError('optim_wrapper: UDAOptimWrapperConstructor needs at least one submodule entry')
        self.optim_wrapper_cfg = copy.deepcopy(dict(optim_wrapper_cfg))

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        cfgs = copy.deepcopy(self.optim_wrapper_cfg)
        children = dict(model.named_children())
        if 'discriminator' in children and 'discriminator' not in cfgs:
            default = copy.deepcopy(DEFAULT_DISCRIMINATOR)
            wrapper_type = cfgs.get('segmentor', {}).get('type')
            if wrapper_type is not None:
                default['type'] = wrapper_type
            cfgs['discriminator'] = default
        missing = [k for k in cfgs if k not in children]
        if missing:
            raise ValueError(f'optim_wrapper: {type(model).__name__} has no submodule {missing} '
                             f'(it has {list(children)})')
        untrained = [name for name, child in children.items() if name not in cfgs and any(
            p.requires_grad for p in child.parameters())]
        if untrained:
            raise ValueError(f'optim_wrapper: the trainable submodules {untrained} of '
                             f'{type(model).__name__} have no entry (add e.g. {untrained[0]}=dict('
                             f'optimizer=...))')
        wrappers = {}
        for name, cfg in cfgs.items():
            constructor = cfg.pop('constructor', 'DefaultOptimWrapperConstructor')
            paramwise_cfg = cfg.pop('paramwise_cfg', None)
            cfg.setdefault('type', 'OptimWrapper')
            builder = OPTIM_WRAPPER_CONSTRUCTORS.build(
                dict(type=constructor, optim_wrapper_cfg=cfg, paramwise_cfg=paramwise_cfg))
            wrappers[name] = builder(children[name])
        return OptimWrapperDict(**wrappers)
