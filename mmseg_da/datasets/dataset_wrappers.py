"""Unwrapping built datasets: the one place that looks inside mmengine's dataset wrappers.

Configs of datasets are walked by :func:`mmseg_da.config.walk.dataset_configs`.
"""
from typing import Iterator

from mmengine.dataset import ClassBalancedDataset, ConcatDataset, RepeatDataset


def leaf_datasets(dataset) -> Iterator:
    """The datasets under mmengine's wrappers (concatenated, repeated, class-balanced), in order.

    Any other dataset is a leaf, ``UDADataset`` and ``PseudoLabelDataset`` included.
    """
    if isinstance(dataset, ConcatDataset):
        for sub in dataset.datasets:
            yield from leaf_datasets(sub)
    elif isinstance(dataset, (RepeatDataset, ClassBalancedDataset)):
        yield from leaf_datasets(dataset.dataset)
    else:
        yield dataset
