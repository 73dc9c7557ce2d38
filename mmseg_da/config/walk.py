"""Walking a config: every dict in it, and the dataset configs inside dataset wrappers and ``UDADataset``.

The one place that knows how dataset configs nest: mmengine's wrappers keep the wrapped configs under
``dataset`` (``RepeatDataset``, ``ClassBalancedDataset``) or ``datasets`` (``ConcatDataset``), and a
``UDADataset`` keeps its ``source`` (one or a list) and its ``target``. Built datasets are unwrapped by
:func:`mmseg_da.datasets.dataset_wrappers.leaf_datasets`.
"""
from typing import Any, Iterator, List, Optional, Sequence

from mmengine.config import Config

#: mmengine's dataset wrappers (their configs hold the wrapped dataset configs).
DATASET_WRAPPERS = ('ConcatDataset', 'RepeatDataset', 'ClassBalancedDataset')


def iter_dicts(node: Any, skip_keys: Sequence[str] = ()) -> Iterator[dict]:
    """Every dict inside ``node`` (a config, dict, list or tuple), parents before children.

    A dict may be changed while it is visited: its values are read after it was yielded.

    Args:
        node: Where to start; a :class:`~mmengine.config.Config` is walked from its root dict.
        skip_keys: Keys whose values are not walked into (e.g. ``init_cfg``).
    """
    if isinstance(node, Config):
        node = node._cfg_dict
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key not in skip_keys:
                yield from iter_dicts(value, skip_keys)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from iter_dicts(value, skip_keys)


def _type_name(dataset: dict) -> str:
    """The registered name of a config's ``type``, without a scope (``mmengine.ConcatDataset``)."""
    kind = dataset.get('type')
    if not isinstance(kind, str):
        kind = getattr(kind, '__name__', '')
    return kind.rsplit('.', 1)[-1]


def _as_list(node: Any) -> List[dict]:
    items = node if isinstance(node, (list, tuple)) else [node]
    return [item for item in items if isinstance(item, dict)]


def wrapped_datasets(dataset: dict) -> List[dict]:
    """The dataset configs directly inside ``dataset``: a wrapper's datasets, a ``UDADataset``'s source(s)
    then target; empty for any other dataset (``PseudoLabelDataset`` included: it has its own samples)."""
    kind = _type_name(dataset)
    if kind == 'UDADataset':
        return _as_list(dataset.get('source')) + _as_list(dataset.get('target'))
    if kind in DATASET_WRAPPERS:
        return _as_list(dataset.get('datasets', dataset.get('dataset')))
    return []


def dataset_configs(node: Any, wrappers: bool = False) -> Iterator[dict]:
    """The dataset configs inside a dataset config (or a list of them), depth first.

    Args:
        node: A dataset config, a list of them, or None.
        wrappers: Also yield the wrappers and ``UDADataset`` configs, each before what it wraps; by
            default only the datasets that wrap none are yielded.
    """
    for dataset in _as_list(node):
        inner = wrapped_datasets(dataset)
        if wrappers or not inner:
            yield dataset
        yield from dataset_configs(inner, wrappers)


def find_target_dataset(node: Any) -> Optional[dict]:
    """The target domain's dataset config inside a training-set config: a ``UDADataset``'s ``target`` or
    the images (``dataset``) of a ``PseudoLabelDataset``, looking through wrappers; None without one."""
    for dataset in dataset_configs(node, wrappers=True):
        kind = _type_name(dataset)
        if kind == 'UDADataset':
            return dataset['target']
        if kind == 'PseudoLabelDataset':
            return dataset['dataset']
    return None
