"""Override a config's data root, image size and schedule length, wherever they occur.

Used by the demo and the tests to run the project's real configs small, without copying them.
"""
from typing import Any, Callable

from mmengine.config import Config


def _walk(node: Any, visit: Callable[[dict], None]) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _walk(value, visit)


def set_data_root(cfg: Config, root: str) -> None:
    """Point every dataset (source, target, val, test) of ``cfg`` at ``root``."""
    def visit(node: dict) -> None:
        if 'data_root' in node:
            node['data_root'] = root
    _walk(cfg._cfg_dict, visit)


def set_image_size(cfg: Config, height: int, width: int) -> None:
    """Set every ``Resize`` scale and every ``crop_size``/``size`` of the data preprocessors."""
    def visit(node: dict) -> None:
        if node.get('type') == 'Resize' and 'scale' in node:
            node['scale'] = (width, height)  # mmcv scales are (w, h)
        if node.get('type') == 'SegDataPreProcessor' and node.get('size') is not None:
            node['size'] = (height, width)
        if node.get('type') == 'RandomCrop' and 'crop_size' in node:
            node['crop_size'] = (height, width)
    _walk(cfg._cfg_dict, visit)


def set_schedule_length(cfg: Config, length: int) -> None:
    """Train for ``length`` epochs or iterations (the loop's own unit), validating and saving at the end.

    Schedulers that ended with the old schedule end with the new one.
    """
    loop = cfg.train_cfg
    key = 'max_epochs' if 'max_epochs' in loop else 'max_iters'
    old = loop[key]
    loop[key] = length
    loop['val_interval'] = length
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):  # a dict keyed by optimizer (adaptation configs) or one scheduler
        schedulers = [schedulers] if 'type' in schedulers else [
            s for group in schedulers.values() for s in (group if isinstance(group, list) else [group])]
    for sched in schedulers:
        if sched.get('end') == old:
            sched['end'] = length
    checkpoint = cfg.get('default_hooks', {}).get('checkpoint')
    if checkpoint is not None:
        checkpoint['interval'] = length


def train_from_scratch(cfg: Config) -> None:
    """Drop every ``Pretrained`` init_cfg (no ImageNet weights offline)."""
    def visit(node: dict) -> None:
        init = node.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            node['init_cfg'] = None
    _walk(cfg._cfg_dict, visit)
