"""Validation of the label-free criteria against the true target mIoU. READS TARGET LABELS.

Only for judging the criteria (``tools/analysis/validate_selection.py``): nothing here is used to select.
The true target mIoU is computed on the config's validation samples of the target domain(s) with their masks,
at the label's size, as the validation metric scores them. A criterion is judged by Spearman's rank correlation
between its signed score (negated where lower is better) and the true mIoU, and by its regret: the true mIoU of
the best checkpoint minus that of the criterion's pick (0 when it picks the best).
"""
import math
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config
from torch import nn

from .criteria import CRITERIA
from .data import Loader, eval_dataset_configs, is_target
from .outputs import collect_labelled, mean_iou
from .report import common_root
from .select_checkpoint import pick


def labelled_target_loaders(cfg: Config, target_domains: Sequence[str]) -> List[Loader]:
    """Loaders of the validation samples of ``target_domains`` WITH their masks (validation only)."""
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    loaders: List[Loader] = []
    for dataset_cfg in eval_dataset_configs(cfg):
        dataset_cfg.setdefault('pipeline', cfg.get('test_pipeline'))
        dataset = DATASETS.build(dataset_cfg)
        loaders += [lambda i=i, ds=dataset: ds[i] for i in range(len(dataset))
                    if is_target(dataset_cfg, dataset.get_data_info(i).get('domain'), target_domains)]
    if not loaders:
        raise ValueError(f'no labelled validation sample of the target domain(s) {list(target_domains)}')
    return loaders


def true_target_miou(segmentor: nn.Module, loaders: Sequence[Loader], batch_size: int = 4) -> float:
    """The target mIoU (%) of ``segmentor`` on the labelled target loaders."""
    areas, *_ = collect_labelled(segmentor, loaders, batch_size)
    return mean_iou(areas)


def average_ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks 1..n, ties sharing their mean rank."""
    values = np.asarray(values, np.float64)
    order = np.argsort(values, kind='mergesort')
    ranks = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    while start < len(values):
        stop = start
        while stop + 1 < len(values) and sorted_values[stop + 1] == sorted_values[start]:
            stop += 1
        ranks[order[start:stop + 1]] = (start + stop) / 2 + 1
        start = stop + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation over the pairs where both are finite (NaN with fewer than 3 or no spread)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float('nan')
    rx, ry = average_ranks(x), average_ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    return float((rx * ry).sum() / math.sqrt((rx ** 2).sum() * (ry ** 2).sum()))


def judge(scores: Dict[str, float], truth: Dict[str, float], higher_is_better: bool,
          members: Optional[Sequence[str]] = None) -> dict:
    """``rho``, ``regret``, ``pick`` and ``best`` of one criterion over ``members`` (default all checkpoints)."""
    members = list(members if members is not None else truth)
    sign = 1.0 if higher_is_better else -1.0
    rho = spearman([sign * scores[m] for m in members], [truth[m] for m in members])
    chosen = pick({m: scores[m] for m in members}, higher_is_better)
    best = max(truth[m] for m in members)
    regret = best - truth[chosen] if chosen is not None else float('nan')
    return dict(rho=rho, regret=regret, pick=chosen, pick_miou=truth[chosen] if chosen else float('nan'),
                best=best, n=len(members))


def run_groups(checkpoints: Sequence[str], by: str = 'run') -> Dict[str, List[str]]:
    """Checkpoints grouped, in the given order, by their run or by their seed.

    Args:
        checkpoints: Checkpoint paths.
        by: ``'run'``: the folder holding the checkpoint, named relative to the folders of all runs;
            ``'seed'``: the ``seed<k>`` folder on the checkpoint's path (as ``compare_methods.py`` lays runs
            out), i.e. every method's checkpoints of one seed together, as a user who trained one seed of
            each method would choose among them.

    Raises:
        ValueError: ``by`` is unknown, or with ``'seed'`` a checkpoint has no ``seed<k>`` folder on its path.
    """
    if by not in ('run', 'seed'):
        raise ValueError(f"group by 'run' or 'seed', got {by!r}")
    root = common_root(checkpoints)
    groups: Dict[str, List[str]] = {}
    for checkpoint in checkpoints:
        folder = osp.dirname(osp.abspath(checkpoint))
        if by == 'run':
            key = osp.relpath(folder, root)
        else:
            seeds = [part for part in folder.split(osp.sep) if re.fullmatch(r'seed\d+', part)]
            if not seeds:
                raise ValueError(f'{checkpoint}: no seed<k> folder on its path to group by seed')
            key = seeds[-1]
        groups.setdefault(key, []).append(checkpoint)
    return groups


def judge_all(scores: Dict[str, Dict[str, float]], truth: Dict[str, float],
              groups: Dict[str, List[str]]) -> Dict[str, Dict[str, dict]]:
    """``{criterion: {'all': judged, <run>: judged}}`` for every criterion of ``scores``."""
    results: Dict[str, Dict[str, dict]] = {}
    for name, values in scores.items():
        higher = CRITERIA[name].higher_is_better
        results[name] = {'all': judge(values, truth, higher)}
        for group, members in groups.items():
            results[name][group] = judge(values, truth, higher, members)
    return results
