"""Training curves of several runs on one figure: one subplot per logged scalar, one line per run.

Keys are the names in ``<timestamp>/vis_data/scalars.json``: training values (``loss``, ``lr``,
``decode.loss_ce``, ...) and evaluation metrics (``mIoU``, ``Rural/mIoU``, ``Urban/IoU.road``, ...);
a key may be a shell-style pattern (``'*/mIoU'``). The x axis is the training iteration.
"""
import fnmatch
import math
from pathlib import Path
from typing import List, Optional, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .work_dir_logs import RunLogs, WorkDirError, warn

#: What is plotted without ``keys``: the loss and every mIoU.
DEFAULT_KEYS = ('loss', 'mIoU', '*/mIoU')


def resolve_keys(runs: Sequence[RunLogs], patterns: Optional[Sequence[str]] = None) -> List[str]:
    """Expand patterns (default :data:`DEFAULT_KEYS`) to logged keys, in first-seen order.

    A pattern that no run logged is warned about.

    Raises:
        WorkDirError: If no pattern matches a logged key.
    """
    logged = list(dict.fromkeys(k for run in runs for k in run.keys()))
    patterns = list(patterns or DEFAULT_KEYS)
    keys: List[str] = []
    for pattern in patterns:
        matches = [k for k in logged if fnmatch.fnmatchcase(k, pattern)]
        if not matches:
            warn(f'no run logged "{pattern}"; logged keys: {logged}')
        keys.extend(k for k in matches if k not in keys)
    if not keys:
        raise WorkDirError(f'none of the keys {patterns} was logged; logged keys: {logged}')
    return keys


def run_labels(runs: Sequence[RunLogs], labels: Optional[Sequence[str]] = None) -> List[str]:
    """Legend labels (default: each run's version), with the work dir's name where two are equal.

    Raises:
        ValueError: If the number of ``labels`` is not the number of runs.
    """
    labels = list(labels or [run.version for run in runs])
    if len(labels) != len(runs):
        raise ValueError(f'{len(labels)} --labels for {len(runs)} runs')
    if len(set(labels)) < len(labels):  # two runs of one config: tell them apart by folder
        labels = [f'{label} ({run.work_dir.name})' for label, run in zip(labels, runs)]
    return labels


def plot_curves(runs: Sequence[RunLogs], keys: Sequence[str], labels: Sequence[str], out: Path,
                title: Optional[str] = None, dpi: int = 120) -> Path:
    """Draw one subplot per key with a line per run and save the figure to ``out``; return ``out``."""
    cols = min(len(keys), 2)
    rows = math.ceil(len(keys) / cols)
    # A Figure without pyplot: no global backend or figure state (it saves with the Agg canvas).
    fig = Figure(figsize=(6.4 * cols, 3.8 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, key in zip(axes.flat, keys):
        for run, label in zip(runs, labels):
            xs, ys = run.series(key)
            if not xs:
                continue
            dense = len(xs) > 30
            ax.plot(xs, ys, label=label, linewidth=1.2, marker=None if dense else 'o', markersize=3)
        ax.set_title(key)
        ax.set_xlabel('iteration')
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if 'IoU' in key or key.rsplit('/', 1)[-1] in ('mAcc', 'aAcc'):
            ax.set_ylabel('%')
        ax.grid(True, alpha=0.3)
        if ax.lines:
            ax.legend(fontsize='small')
    for ax in list(axes.flat)[len(keys):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    return out
