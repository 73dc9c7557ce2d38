"""The results table of several training runs, in Markdown, from their work dirs.

Example::

    python tools/analysis/results_table.py work_dirs/pidnet_s_rural work_dirs/pidnet_s_urban_hf_ssr \\
        --out results.md                    # final evaluations
    python tools/analysis/results_table.py work_dirs/ --best Rural/mIoU   # every run, best by Rural mIoU
    python tools/analysis/results_table.py work_dirs/ --target Rural --baseline pidnet_s_urban

Each run's latency (``benchmark.json`` from ``tools/benchmark.py --json`` in its work dir) is listed beside its
target-domain mIoU and its gain over the baseline run.

What the table holds: :mod:`mmseg_da.reports.results_table`.
"""
import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from mmseg_da.reports.results_table import build_report
from mmseg_da.reports.work_dir_logs import WorkDirError, load_runs


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Markdown results table of training runs (work dirs)')
    parser.add_argument('work_dirs', nargs='+', help='work dirs, or folders holding work dirs')
    parser.add_argument('--out', help='write the Markdown here (it is printed in any case)')
    parser.add_argument('--best', nargs='?', const='', default=None, metavar='METRIC',
                        help='report the best evaluation instead of the final one, by METRIC (default: '
                        "the config's save_best where it names one, else mIoU)")
    parser.add_argument('--no-per-class', action='store_true', help='leave out the per-class IoU tables')
    parser.add_argument('--target', help='target domain of the speed-accuracy table (default: the adaptation '
                        "runs' target)")
    parser.add_argument('--baseline', help='version (or work-dir name) of the run the gains are measured from '
                        '(default: the first source-only run of each model)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        runs = load_runs(args.work_dirs, require_eval=True)
        report = build_report(runs, best=args.best, per_class=not args.no_per_class, target=args.target,
                              baseline=args.baseline)
    except WorkDirError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(report)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(report, encoding='utf-8')
        print(f'wrote {args.out}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
