"""Target-domain mIoU against latency: one point per run (or per method and model, mean +- std), the Pareto front.

The figures are those of the results table (:func:`~.results_table.speed_accuracy`): the chosen evaluation's
``<target>/mIoU`` and the latency in ``benchmark.json`` (``tools/benchmark.py --json``) of each work dir.
"""
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.figure import Figure

from .results_table import chosen_evals, speed_accuracy, target_domain
from .work_dir_logs import RunLogs, WorkDirError


@dataclass
class ParetoPoint:
    """A run (or the mean of a group of runs) in the speed-accuracy plane.

    Attributes:
        label: The run's version, or the group's name for a mean.
        group: ``<method> (<model>)``: the colour of the point.
        latency_ms: Mean latency.
        miou: Target mIoU (%).
        latency_std: Standard deviation over the group's runs (0 for one run).
        miou_std: Standard deviation over the group's runs (0 for one run).
        runs: How many runs the point stands for.
    """
    label: str
    group: str
    latency_ms: float
    miou: float
    latency_std: float = 0.0
    miou_std: float = 0.0
    runs: int = 1


def dominates(a: ParetoPoint, b: ParetoPoint) -> bool:
    """Whether ``a`` is at least as fast and as accurate as ``b``, and better in one of the two."""
    return (a.latency_ms <= b.latency_ms and a.miou >= b.miou
            and (a.latency_ms < b.latency_ms or a.miou > b.miou))


def pareto_front(points: Sequence[ParetoPoint]) -> List[ParetoPoint]:
    """The points no other point dominates, from the fastest to the slowest."""
    front = [p for p in points if not any(dominates(q, p) for q in points)]
    return sorted(front, key=lambda p: (p.latency_ms, -p.miou))


def _mean_std(values: Sequence[float]) -> Tuple[float, float]:
    return float(np.mean(values)), float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def collect_points(runs: Sequence[RunLogs], best: Optional[str] = None, target: Optional[str] = None,
                   mean: bool = False) -> Tuple[str, List[ParetoPoint]]:
    """The target domain and the points of the runs that have both a target mIoU and a latency.

    Args:
        runs: The runs.
        best: Which evaluation of each run (as the results table's ``best``).
        target: The target domain (default: as the results table finds it).
        mean: One point per method and model (mean +- std over its runs) instead of one per run.

    Raises:
        WorkDirError: If no target domain is found, or no run has both numbers (the message says what each lacks).
    """
    runs, chosen = chosen_evals(runs, best)
    records = [record for record, _ in chosen]
    target = target_domain(runs, records, target)
    if target is None:
        domains = list(OrderedDict.fromkeys(d for record in records for d in record.domains))
        raise WorkDirError(f'no target domain found among the evaluated domains {domains}: give --target')
    usable, missing = [], []
    for point in speed_accuracy(runs, records, target):
        lacks = ([f'{target}/mIoU'] if point.target_miou is None else []) + (
            ['benchmark.json with mean_ms (tools/benchmark.py --json)'] if point.latency_ms is None else [])
        if lacks:
            missing.append(f'{point.run.work_dir}: no {" and no ".join(lacks)}')
        else:
            usable.append(ParetoPoint(point.run.version, f'{point.method} ({point.model})', point.latency_ms,
                                      point.target_miou))
    if not usable:
        raise WorkDirError('no run has both a target mIoU and a latency:\n  ' + '\n  '.join(missing))
    if not mean:
        return target, usable
    groups = OrderedDict()
    for point in usable:
        groups.setdefault(point.group, []).append(point)
    means = []
    for group, members in groups.items():
        latency, latency_std = _mean_std([p.latency_ms for p in members])
        miou, miou_std = _mean_std([p.miou for p in members])
        means.append(ParetoPoint(group, group, latency, miou, latency_std, miou_std, len(members)))
    return target, means


def plot_pareto(points: Sequence[ParetoPoint], target: str, out: Path, log_x: bool = False,
                title: Optional[str] = None, dpi: int = 120) -> Path:
    """Draw target mIoU (y) against latency (x), a colour per group, error bars, labels and the Pareto front."""
    fig = Figure(figsize=(7.5, 5.0))  # no pyplot: no global backend state (saved with the Agg canvas)
    ax = fig.subplots()
    colours = {group: f'C{i % 10}' for i, group in enumerate(OrderedDict.fromkeys(p.group for p in points))}
    for group, colour in colours.items():
        members = [p for p in points if p.group == group]
        ax.errorbar([p.latency_ms for p in members], [p.miou for p in members],
                    xerr=[p.latency_std for p in members], yerr=[p.miou_std for p in members],
                    fmt='o', color=colour, ecolor=colour, capsize=3, label=group)
        for p in members:  # a mean is named by the legend already
            text = p.label if p.runs == 1 else f'n={p.runs}'
            ax.annotate(text, (p.latency_ms, p.miou), textcoords='offset points', xytext=(5, 5), fontsize='small')
    front = pareto_front(points)
    # a staircase: between two front points only the slower one's accuracy is attained
    ax.plot([p.latency_ms for p in front], [p.miou for p in front], '--', drawstyle='steps-post', color='0.4',
            linewidth=1, label='Pareto front', zorder=0)
    ax.margins(x=0.15, y=0.1)
    if log_x:
        ax.set_xscale('log')
    ax.set_xlabel('latency (ms, tools/benchmark.py)')
    ax.set_ylabel(f'mIoU (%) on {target}')
    ax.set_title(title or f'{target} mIoU against latency')
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize='small')
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    return out
