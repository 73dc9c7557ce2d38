"""What a run's config says about its training, as the short texts of a results table.

Each reader takes a run's config (as dumped into its work dir) and returns one cell: the model, the domains,
the augmentations, the loss, the optimizer, the schedule and the training length.
"""
import re
from collections import OrderedDict
from typing import Any, List, Optional, Sequence, Tuple

from mmengine.config import Config

from mmseg_da.config.walk import dataset_configs, iter_dicts


def as_list(value: Any) -> list:
    """``value`` as a list: None -> ``[]``, a list or tuple as is, anything else as the one item."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def join_unique(items: Sequence[Any], sep: str = '+') -> str:
    """The non-empty items once each, in order, joined by ``sep``; ``'-'`` for none."""
    return sep.join(OrderedDict.fromkeys(str(i) for i in items if i)) or '-'


def segmentor_cfg(model: dict) -> Tuple[dict, Optional[str]]:
    """The plain segmentor's config and, for an adaptation model, its type (the method)."""
    method = None
    while isinstance(model.get('segmentor'), dict):
        method = method or model.get('type')
        model = model['segmentor']
    return model, method


def model_name(cfg: Config) -> str:
    """``Backbone[-depth] (DecodeHead)``, the grouping key of the table."""
    seg, _ = segmentor_cfg(cfg.get('model') or {})
    backbone = seg.get('backbone') or {}
    name = str(backbone.get('type', seg.get('type', '?')))
    if backbone.get('depth'):
        name += f"-{backbone['depth']}"
    heads = join_unique([h.get('type') for h in as_list(seg.get('decode_head')) if isinstance(h, dict)])
    return f'{name} ({heads})' if heads != '-' else name


def train_datasets(cfg: Config) -> Tuple[List[dict], List[dict]]:
    """The source (or only) and target training dataset configs, wrappers removed."""
    dataset = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    if isinstance(dataset, dict) and 'source' in dataset:
        return list(dataset_configs(dataset['source'])), list(dataset_configs(dataset.get('target')))
    return list(dataset_configs(dataset)), []


def domain_text(datasets: Sequence[dict]) -> str:
    """The datasets' domains, e.g. ``Urban``; a dataset without one by its type (``GTA5Dataset`` -> GTA5)."""
    names = []
    for ds in datasets:
        if ds.get('domain'):
            names.extend(str(d) for d in as_list(ds['domain']))
        else:
            names.append(re.sub(r'Dataset$', '', str(ds.get('type', '?'))))
    return join_unique(names)


def augmentation_text(datasets: Sequence[dict]) -> str:
    """AlbuAugment presets (and explicit albumentations transforms) in the datasets' pipelines."""
    names: List[str] = []
    for albu in iter_dicts(list(datasets)):
        if albu.get('type') == 'AlbuAugment':
            names.extend(str(p) for p in as_list(albu.get('presets')))
            names.extend(str(t.get('type')) for t in as_list(albu.get('transforms')) if isinstance(t, dict))
    return join_unique(names)


def criterion_text(cfg: Config) -> str:
    """The decode heads' loss types."""
    seg, _ = segmentor_cfg(cfg.get('model') or {})
    losses = []
    for head in as_list(seg.get('decode_head')):
        if isinstance(head, dict):
            losses.extend(loss.get('type') for loss in as_list(head.get('loss_decode')) if isinstance(loss, dict))
    return join_unique(losses)


def optimizer_text(cfg: Config) -> str:
    """``SGD(lr=0.01)``; with one optimizer per part, the segmentor's first, then ``<part>: ...``."""

    def one(wrapper: dict) -> str:
        opt = wrapper.get('optimizer') or {}
        lr = f"(lr={opt['lr']:g})" if isinstance(opt.get('lr'), (int, float)) else ''
        return f"{opt.get('type', '?')}{lr}"

    wrapper = cfg.get('optim_wrapper') or {}
    if 'optimizer' in wrapper:
        return one(wrapper)
    parts = [(name, sub) for name, sub in wrapper.items() if isinstance(sub, dict) and 'optimizer' in sub]
    parts.sort(key=lambda item: item[0] != 'segmentor')
    return ', '.join(one(sub) if name == 'segmentor' else f'{name}: {one(sub)}' for name, sub in parts) or '-'


def scheduler_text(cfg: Config) -> str:
    """The parameter schedulers (the segmentor's where they are keyed by optimizer), e.g. ``PolyLR(power=0.9)``."""
    schedulers = cfg.get('param_scheduler')
    if isinstance(schedulers, dict) and 'type' not in schedulers:  # keyed by optimizer
        schedulers = schedulers.get('segmentor') or [s for v in schedulers.values() for s in as_list(v)]
    names = []
    for sched in as_list(schedulers):
        if isinstance(sched, dict):
            power = f"(power={sched['power']:g})" if isinstance(sched.get('power'), (int, float)) else ''
            names.append(f"{sched.get('type', '?')}{power}")
    return join_unique(names)


def length_text(cfg: Config) -> str:
    """The training length: the number of epochs, or ``'<n> iters'``."""
    train_cfg = cfg.get('train_cfg') or {}
    by_epoch = train_cfg.get('type') == 'EpochBasedTrainLoop' or train_cfg.get('by_epoch')
    if by_epoch or 'max_epochs' in train_cfg:
        return str(train_cfg.get('max_epochs', '-'))
    return f"{train_cfg['max_iters']} iters" if 'max_iters' in train_cfg else '-'


def default_best_metric(cfg: Config) -> str:
    """The metric the checkpoint hook keeps the best of (``save_best``), else ``mIoU``."""
    save_best = ((cfg.get('default_hooks') or {}).get('checkpoint') or {}).get('save_best')
    if isinstance(save_best, (list, tuple)):
        save_best = save_best[0] if save_best else None
    return save_best if isinstance(save_best, str) and save_best != 'auto' else 'mIoU'
