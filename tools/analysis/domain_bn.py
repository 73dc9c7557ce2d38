"""Evaluate a checkpoint per test domain with its own BatchNorm statistics and with the domain's (AdaBN).

For every domain of the config's test set, the checkpoint is evaluated as ``tools/test.py`` does, then again
with its BatchNorm running statistics re-estimated on that domain's test images (labels unused), weights
unchanged: how much of a domain gap, or of an adaptation gain, is BatchNorm statistics. The checkpoint is
loaded strictly into the config's deployable segmentor (a plain, exported or adaptation checkpoint).

Example::

    python tools/analysis/domain_bn.py configs/camvid_day2dusk_source_only.py \\
        work_dirs/camvid_day2dusk_source_only/iter_300.pth --out domain_bn.json

The statistics are estimated from shuffled batches of ``--batch-size`` test images (``--in-order``: in the
test set's order), each image once; the runner logs under ``--work-dir``, not the config's work dir.

What is measured: :mod:`mmseg_da.apis.domain_bn`.
"""
import argparse
import json
import os.path as osp
from pathlib import Path

from mmengine.config import DictAction
from mmengine.runner import Runner

import mmseg_da  # noqa: F401  (registers modules; safe loading of mmengine checkpoints)
from mmseg_da.apis import load_segmentor_checkpoint
from mmseg_da.apis.domain_bn import METRIC, domain_bn_report, domain_bn_table, evaluate_domains_with_own_bn
from mmseg_da.cli import clear_errors
from mmseg_da.config.loading import load_config
from mmseg_da.fileio.atomic_files import write_text_atomically
from mmseg_da.fileio.required_paths import require_file
from mmseg_da.models.utils.deployable import deployable_segmentor


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Per-domain mIoU with the checkpoint\'s BatchNorm statistics and '
                                     'with statistics re-estimated on each domain\'s test images')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--data-root', help='folder of the config\'s dataset(s), instead of the config\'s '
                        'data_root (several dataset folders: the folder that holds them all)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value pairs merged into it')
    parser.add_argument('--batch-size', type=int, default=4,
                        help='images per batch when re-estimating the statistics (default 4)')
    parser.add_argument('--max-batches', type=int, help='at most this many batches per domain for the statistics '
                        '(default: all of its test images)')
    parser.add_argument('--in-order', action='store_true', help='batches of consecutive test images for the '
                        'statistics (default: shuffled, as training batches are; consecutive video frames vary '
                        'less than a random batch, which makes the variances too small)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the shuffled order (default 0)')
    parser.add_argument('--out', help='write the figures (all metrics of both evaluations) to this JSON file')
    parser.add_argument('--work-dir', help='where the runner logs (default: work_dirs/domain_bn/<config '
                        'name>, never the config\'s own work_dir)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with clear_errors('domain_bn.py'):
        for name, value in (('--batch-size', args.batch_size), ('--max-batches', args.max_batches)):
            if value is not None and value < 1:
                raise ValueError(f'{name} must be at least 1, got {value}')
        work_dir = args.work_dir or osp.join('work_dirs', 'domain_bn',
                                             osp.splitext(osp.basename(args.config))[0])
        cfg = load_config(args.config, args.cfg_options, work_dir, args.data_root)
        cfg.launcher = 'none'
        checkpoint = require_file(args.checkpoint, 'checkpoint file')
        cfg.load_from = None  # mmengine's load_from is not strict: the checkpoint is loaded below
        runner = Runner.from_cfg(cfg)
        load_segmentor_checkpoint(deployable_segmentor(runner.model), checkpoint, repr(args.config))
        results = evaluate_domains_with_own_bn(runner, batch_size=args.batch_size, max_batches=args.max_batches,
                                               shuffle=not args.in_order, seed=args.seed)
        print(f'{args.checkpoint}: per-domain {METRIC} with the checkpoint\'s '
              f'BatchNorm statistics and with statistics re-estimated on each domain\'s test images '
              f'({"consecutive" if args.in_order else "shuffled"} batches of {args.batch_size})')
        print(domain_bn_table(results))
        if args.out:
            report = domain_bn_report(results, config=args.config, checkpoint=args.checkpoint,
                                      batch_size=args.batch_size, max_batches=args.max_batches,
                                      shuffled=not args.in_order, seed=args.seed)
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            write_text_atomically(args.out, json.dumps(report, indent=2, allow_nan=False) + '\n')
            print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
