"""What a comparison holds equal between runs: their budget and, for a finished run, its whole config.

Two runs can be compared only when they had the same budget: the training loop (iterations or epochs),
the images per iteration, the image sizes, and the data they read and were scored on. The method (model,
losses, augmentations, and how a dataset wrapper samples or relabels the data: rare-class sampling, target
subsets, pseudo-labels) is what may differ.
"""
import json
from typing import Any, Dict, List, Mapping

from mmengine.config import Config

from mmseg_da.config.walk import iter_dicts

#: Types (by part of their name) and keys of the transforms and data preprocessors that set an image size.
SIZE_TYPES = ('Resize', 'Crop', 'DataPreProcessor')
SIZE_KEYS = ('scale', 'crop_size', 'scale_factor', 'ratio_range', 'keep_ratio', 'size', 'size_divisor')
#: Top-level keys that ``tools/train.py`` sets at launch time (work dir, resume and launcher bookkeeping).
LAUNCH_KEYS = frozenset({'work_dir', 'resume', 'allow_fresh_start', 'launcher', 'runner_type', 'env_cfg',
                         'model_wrapper_cfg'})
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
#: Keys under which a dataset wrapper (UDADataset, ConcatDataset, PseudoLabelDataset...) holds its datasets.
WRAPPED_KEYS = ('dataset', 'datasets', 'source', 'target')


def plain(node: Any) -> Any:
    """``node`` as plain dicts and lists (tuples become lists, as in a dumped and re-read config)."""
    if isinstance(node, Mapping):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [plain(v) for v in node]
    return node


def flatten(node: Any, prefix: str = '') -> Dict[str, Any]:
    """Dotted keys (``a.b[0].c``) -> leaf values of a plain config."""
    if isinstance(node, dict) and node:
        out: Dict[str, Any] = {}
        for key, value in node.items():
            out.update(flatten(value, f'{prefix}.{key}' if prefix else key))
        return out
    if isinstance(node, list) and node:
        out = {}
        for index, value in enumerate(node):
            out.update(flatten(value, f'{prefix}[{index}]'))
        return out
    return {prefix: node}


# Not config.walk.dataset_configs: that keeps a PseudoLabelDataset whole, while a budget looks through it
# (and through any config holding `dataset`/`datasets`) and tracks the role of what it reads.
def _leaf_datasets(node: Any, found: List[str], role: str = '') -> List[str]:
    """Every dataset inside ``node`` that wraps no other, without its pipeline, with its role (``source``:
    labelled, ``target``: its labels unread), as sorted-key JSON."""
    if isinstance(node, dict):
        children = {k: node[k] for k in WRAPPED_KEYS if k in node}
        if isinstance(node.get('type'), str) and not children:
            leaf = dict({k: v for k, v in node.items() if k != 'pipeline'}, role=role)
            found.append(json.dumps(leaf, sort_keys=True, default=str))
        for key, child in children.items():
            if node.get('type') == 'UDADataset':
                role = key
            elif node.get('type') == 'PseudoLabelDataset':  # its images' ground truth is never read
                role = 'target'
            _leaf_datasets(child, found, role)
    elif isinstance(node, list):
        for value in node:
            _leaf_datasets(value, found, role)
    return found


def _size_settings(node: Any, found: List[str]) -> List[str]:
    """``'<type>.<key>=<value>'`` for every size key of every resize, crop or data preprocessor inside ``node``
    (other transforms with a ``scale``, e.g. an affine augmentation, are part of the method)."""
    for cfg in iter_dicts(node):
        if isinstance(cfg.get('type'), str) and any(w in cfg['type'] for w in SIZE_TYPES):
            found += [f"{cfg['type']}.{k}={cfg[k]}" for k in SIZE_KEYS if k in cfg]
    return found


def training_budget(cfg: Config, world_size: int = 1) -> Dict[str, Any]:
    """The budget of a run, from its effective config.

    Args:
        cfg: The run's config, with every override applied.
        world_size: Training processes (each loads ``batch_size`` images per iteration).

    Returns:
        ``{'train_cfg', 'images per iteration', '<loader> sizes', '<loader> data', 'val_evaluator'}``: the
        training loop, the images per iteration, the image sizes of each dataloader's pipelines (as sorted
        ``type.key=value`` settings, wherever they sit) and of the model's data preprocessors, and each
        dataloader's sampler and set of datasets (those that wrap no other, without their pipelines, with
        their role in a ``UDADataset``).
    """
    cfg_dict = plain(cfg.to_dict())
    budget: Dict[str, Any] = {
        'train_cfg': cfg_dict.get('train_cfg'),
        'images per iteration': (cfg_dict.get('train_dataloader') or {}).get('batch_size', 1) * world_size,
        'model sizes': sorted(set(_size_settings(cfg_dict.get('model'), []))),
        'val_evaluator': cfg_dict.get('val_evaluator'),
    }
    for loader in LOADERS:
        loader_cfg = cfg_dict.get(loader) or {}
        budget[f'{loader} sizes'] = sorted(set(_size_settings(loader_cfg.get('dataset'), [])))
        budget[f'{loader} data'] = sorted(set(_leaf_datasets(loader_cfg.get('dataset'), [])))
        budget[f'{loader} sampler'] = loader_cfg.get('sampler')
    return budget


def differences(a: Any, b: Any, max_items: int = 8) -> List[str]:
    """``'key: <a> vs <b>'`` for every dotted key whose values differ (at most ``max_items`` and a count)."""
    flat_a, flat_b = flatten(plain(a)), flatten(plain(b))
    missing = object()
    lines = [f'{key}: {flat_a.get(key, "(unset)")!r} vs {flat_b.get(key, "(unset)")!r}'
             for key in sorted(set(flat_a) | set(flat_b)) if flat_a.get(key, missing) != flat_b.get(key, missing)]
    if len(lines) > max_items:
        lines = lines[:max_items] + [f'... and {len(lines) - max_items} more']
    return lines


def config_differences(recorded: Config, planned: Config) -> List[str]:
    """Differences between a finished run's dumped config and the config it would be trained with now.

    The keys ``tools/train.py`` sets at launch (:data:`LAUNCH_KEYS`) are left out.
    """
    def relevant(cfg: Config) -> dict:
        return {k: v for k, v in plain(cfg.to_dict()).items() if k not in LAUNCH_KEYS}
    return differences(relevant(recorded), relevant(planned))
