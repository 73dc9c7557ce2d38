"""Training curves of several runs on one figure: one subplot per logged scalar, one line per run.

Example (source-only against adapted)::

    python tools/analysis/plot_curves.py work_dirs/pidnet_s_urban work_dirs/pidnet_s_urban2rural_adv_single \\
        --keys loss Rural/mIoU --out curves.png

Keys and patterns: :mod:`mmseg_da.reports.plot_curves`. Without ``--keys``: ``loss`` and every mIoU.
"""
import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from mmseg_da.reports.plot_curves import plot_curves, resolve_keys, run_labels
from mmseg_da.reports.work_dir_logs import WorkDirError, load_runs


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Plot training curves of several work dirs')
    parser.add_argument('work_dirs', nargs='+', help='work dirs, or folders holding work dirs')
    parser.add_argument('--keys', nargs='+', help='scalars to plot (default: loss and every mIoU)')
    parser.add_argument('--labels', nargs='+', help='legend label per run (default: config version/name)')
    parser.add_argument('--out', default='curves.png', help='output image (png, pdf, svg, ...)')
    parser.add_argument('--title', default=None, help='figure title')
    parser.add_argument('--dpi', type=int, default=120)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        runs = load_runs(args.work_dirs)
        keys = resolve_keys(runs, args.keys)
        labels = run_labels(runs, args.labels)
    except (WorkDirError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    out = plot_curves(runs, keys, labels, Path(args.out), args.title, args.dpi)
    print(f'wrote {out} ({len(keys)} plot(s): {", ".join(keys)}; {len(runs)} run(s))')
    return 0


if __name__ == '__main__':
    sys.exit(main())
