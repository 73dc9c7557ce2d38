"""Training curves of several runs on one figure: one subplot per logged scalar, one line per run.

Example (source-only against adapted)::

    python tools/analysis/plot_curves.py work_dirs/pidnet_s_urban work_dirs/pidnet_s_urban2rural_adv_single \\
        --keys loss Rural/mIoU --out curves.png

Keys are the names in ``<timestamp>/vis_data/scalars.json``: training values (``loss``, ``lr``,
``decode.loss_ce``, ...) and evaluation metrics (``mIoU``, ``Rural/mIoU``, ``Urban/IoU.road``, ...);
a key may be a shell-style pattern (``'*/mIoU'``). Without ``--keys``: ``loss`` and every mIoU.
The x axis is the training iteration.
"""
import argparse
import fnmatch
import math
import sys
from pathlib import Path
from typing import List, Optional, Sequence

import matplotlib

matplotlib.use('Agg')  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from mmseg_da.utils.work_dir_logs import RunLogs, WorkDirError, load_runs, warn  # noqa: E402


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Plot training curves of several work dirs')
    parser.add_argument('work_dirs', nargs='+', help='work dirs, or folders holding work dirs')
    parser.add_argument('--keys', nargs='+', help="scalars to plot (default: loss and every mIoU)")
    parser.add_argument('--labels', nargs='+', help='legend label per run (default: config version/name)')
    parser.add_argument('--out', default='curves.png', help='output image (png, pdf, svg, ...)')
    parser.add_argument('--title', default=None, help='figure title')
    parser.add_argument('--dpi', type=int, default=120)
    args = parser.parse_args(argv)
    return args


def resolve_keys(runs: Sequence[RunLogs], patterns: Optional[Sequence[str]]) -> List[str]:
    """Expand patterns to logged keys (in first-seen order); warn about keys no run logged."""
    logged = list(dict.fromkeys(k for run in runs for k in run.keys()))
    if not patterns:
        patterns = ['loss', 'mIoU', '*/mIoU']
    keys: List[str] = []
    for pattern in patterns:
        matches = [k for k in logged if fnmatch.fnmatchcase(k, pattern)]
        if not matches:
            warn(f'no run logged "{pattern}"; logged keys: {logged}')
        keys.extend(k for k in matches if k not in keys)
    if not keys:
        raise WorkDirError(f'none of the keys {list(patterns)} was logged; logged keys: {logged}')
    return keys


def plot(runs: Sequence[RunLogs], keys: Sequence[str], labels: Sequence[str], out: Path,
         title: Optional[str] = None, dpi: int = 120) -> Path:
    """Draw one subplot per key with a line per run and save the figure to ``out``."""
    cols = min(len(keys), 2)
    rows = math.ceil(len(keys) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.4 * cols, 3.8 * rows), squeeze=False)
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
    plt.close(fig)
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        runs = load_runs(args.work_dirs)
        keys = resolve_keys(runs, args.keys)
    except WorkDirError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    labels = args.labels or [run.version for run in runs]
    if len(labels) != len(runs):
        print(f'error: {len(labels)} --labels for {len(runs)} runs', file=sys.stderr)
        return 1
    if len(set(labels)) < len(labels):  # two runs of one config: tell them apart by folder
        labels = [f'{label} ({run.work_dir.name})' for label, run in zip(labels, runs)]
    out = plot(runs, keys, labels, Path(args.out), args.title, args.dpi)
    print(f'wrote {out} ({len(keys)} plot(s): {", ".join(keys)}; {len(runs)} run(s))')
    return 0


if __name__ == '__main__':
    sys.exit(main())
