"""Compare training configs over several seeds: train every run (resumably), then a Markdown table.

Example (the two-stage CamVid protocol; see docs/experiments.md)::

    OMP_NUM_THREADS=1 python tools/analysis/compare_methods.py configs/camvid_day2dusk_adv_multi.py \\
        configs/camvid_day2dusk_fda.py --warmup configs/camvid_day2dusk_source_only.py --seeds 0 1 2 \\
        --work-dir work_dirs/compare_camvid --out compare_camvid.md

Runs lie in ``DIR/<config stem>/seed<k>`` (warm-ups in ``DIR/warmup/<stem>/seed<k>``), one ``tools/train.py``
process each (``--jobs N``: N side by side); re-running the command skips finished runs and resumes torn ones
from their last checkpoint. The table: per config
and domain, the final mIoU as mean +- sample std over seeds, the difference to the baseline with its Welch
95% interval (bold where it excludes 0), and per-class IoU differences on the target domain.
"""
import argparse
from pathlib import Path

from mmseg_da.cli import clear_errors
from mmseg_da.comparison.compare_methods import compare_methods
from mmseg_da.fileio.atomic_files import write_text_atomically

TRAIN_SCRIPT = Path(__file__).resolve().parents[1] / 'train.py'
DOMAIN_BN_SCRIPT = Path(__file__).resolve().parent / 'domain_bn.py'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Multi-seed comparison of training configs')
    parser.add_argument('configs', nargs='+', help='the compared config files')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2], help='seeds of every config')
    parser.add_argument('--baseline', help='the config the others are compared with (default: --warmup, '
                        'continued); added to the configs where missing')
    parser.add_argument('--warmup', help='two-stage protocol: train this config first for each seed, and '
                        'start every other run of that seed from its final checkpoint')
    parser.add_argument('--work-dir', required=True, help='folder of the runs (DIR/<config stem>/seed<k>)')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='overrides for every run, as tools/train.py --cfg-options')
    parser.add_argument('--out', help='also write the Markdown table here')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                        help='pytorch: each run is a torchrun of --nproc processes')
    parser.add_argument('--nproc', type=int, default=1, help='processes per run with --launcher pytorch')
    parser.add_argument('--confidence', type=float, default=0.95, help='confidence level of the intervals')
    parser.add_argument('--domain-bn', action='store_true',
                        help='add a table of every run evaluated per domain with BatchNorm statistics re-estimated '
                        'on that domain\'s test images (tools/analysis/domain_bn.py; cached per run)')
    parser.add_argument('--jobs', type=int, default=1,
                        help='train this many runs side by side, each with OMP_NUM_THREADS=1 (e.g. 2 on 2 cores)')
    parser.add_argument('--adabn', action='store_true',
                        help='add the AdaBN row (needs --warmup): each seed\'s warm-up weights with BatchNorm '
                        'statistics re-estimated on the target training images (tools/adapt_bn.py), no training')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with clear_errors('compare_methods.py'):
        table = compare_methods(args.configs, args.seeds, args.work_dir, str(TRAIN_SCRIPT), baseline=args.baseline,
                                warmup=args.warmup, cfg_options=args.cfg_options, launcher=args.launcher,
                                nproc=args.nproc, confidence=args.confidence,
                                domain_bn_script=str(DOMAIN_BN_SCRIPT) if args.domain_bn else None,
                                jobs=args.jobs, adabn=args.adabn)
    print(table, end='')
    if args.out:
        write_text_atomically(args.out, table)


if __name__ == '__main__':
    main()
