"""Target-domain mIoU against latency for several runs, with the Pareto front, as a PNG.

Example::

    python tools/benchmark.py configs/pidnet_s_urban.py work_dirs/pidnet_s_urban/epoch_20.pth --fast \\
        --json work_dirs/pidnet_s_urban/benchmark.json          # once per run
    python tools/analysis/plot_pareto.py work_dirs/ --out pareto.png [--mean] [--log-x] [--target Rural]

The figures are the results table's (:mod:`mmseg_da.reports.plot_pareto`).
"""
import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from mmseg_da.reports.plot_pareto import collect_points, pareto_front, plot_pareto
from mmseg_da.reports.work_dir_logs import WorkDirError, load_runs


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Plot target mIoU against latency (Pareto front) of work dirs')
    parser.add_argument('work_dirs', nargs='+', help='work dirs, or folders holding work dirs')
    parser.add_argument('--out', default='pareto.png', help='output image (png, pdf, svg, ...)')
    parser.add_argument('--target', help="target domain (default: the adaptation runs' target)")
    parser.add_argument('--best', nargs='?', const='', default=None, metavar='METRIC',
                        help='use the best evaluation instead of the final one, by METRIC (as results_table.py)')
    parser.add_argument('--mean', action='store_true',
                        help='one point per method and model: mean with std error bars over its runs')
    parser.add_argument('--log-x', action='store_true', help='logarithmic latency axis')
    parser.add_argument('--title', help='figure title')
    parser.add_argument('--dpi', type=int, default=120)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        runs = load_runs(args.work_dirs, require_eval=True)
        target, points = collect_points(runs, best=args.best, target=args.target, mean=args.mean)
    except WorkDirError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    out = plot_pareto(points, target, Path(args.out), args.log_x, args.title, args.dpi)
    front = ', '.join(f'{p.label} ({p.latency_ms:.1f} ms, {p.miou:.2f})' for p in pareto_front(points))
    print(f'wrote {out} ({len(points)} point(s), {target} mIoU against latency); Pareto front: {front}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
