"""Override a config's data root, image size and schedule length, wherever they occur.

Used by the demo and the tests to run the project's real configs small, without copying them.
"""
import os.path as osp
from typing import Dict, List

from mmengine.config import Config

from .walk import iter_dicts


def set_data_root(cfg: Config, root: str) -> None:
    """Point every dataset (source, target, val, test) of ``cfg`` at ``root``."""
    for node in iter_dicts(cfg):
        if 'data_root' in node:
            node['data_root'] = root


def set_image_size(cfg: Config, height: int, width: int) -> None:
    """Set every ``Resize`` scale and every ``crop_size``/``size`` of the data preprocessors."""
    for node in iter_dicts(cfg):
        if node.get('type') == 'Resize' and 'scale' in node:
            node['scale'] = (width, height)  # mmcv scales are (w, h)
        if node.get('type') == 'SegDataPreProcessor' and node.get('size') is not None:
            node['size'] = (height, width)
        if node.get('type') == 'RandomCrop' and 'crop_size' in node:
            node['crop_size'] = (height, width)


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
    for node in iter_dicts(cfg):
        init = node.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            node['init_cfg'] = None


def dataset_roots(cfg: Config) -> List[str]:
    """Every distinct ``data_root`` of the config's datasets, in order of appearance."""
    roots: List[str] = []
    for node in iter_dicts(cfg):
        if isinstance(node.get('data_root'), str) and node['data_root'] not in roots:
            roots.append(node['data_root'])
    return roots


def replace_data_root(cfg: Config, old: str, new: str) -> int:
    """Set ``data_root=new`` in every dataset whose ``data_root`` is ``old``; return how many."""
    count = 0
    for node in iter_dicts(cfg):
        if node.get('data_root') == old:
            node['data_root'] = new
            count += 1
    return count


def relocate_data(cfg: Config, root: str) -> Dict[str, str]:
    """``--data-root``: move the config's datasets to ``root``; return ``{old root: new root}``.

    A config whose datasets share one folder gets ``root`` as that folder. A config with several dataset
    folders (GTA5 -> Cityscapes: ``data/gta5``, ``data/cityscapes``) keeps their folder names under
    ``root`` (``root/gta5``, ``root/cityscapes``).
    """
    roots = dataset_roots(cfg)
    if len(roots) == 1:
        moves = {roots[0]: root}
    else:
        moves = {old: osp.join(root, osp.basename(osp.normpath(old))) for old in roots}
    for old, new in moves.items():
        replace_data_root(cfg, old, new)
    return moves
