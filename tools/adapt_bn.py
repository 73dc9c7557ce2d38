"""AdaBN: re-estimate a checkpoint's BatchNorm statistics on the config's unlabelled target training images.

No gradient step (Li et al., 2016): the weights are the checkpoint's; the BatchNorm running statistics become
those of the target training images of the adaptation config (its ``UDADataset``'s target), read with the
config's test pipeline and no labels. The result is an ordinary checkpoint: ``tools/test.py``, the export and
the benchmark load it like a trained one.

Example::

    python tools/adapt_bn.py configs/camvid_day2dusk_source_only.py \\
        work_dirs/camvid_day2dusk_source_only/iter_300.pth --out work_dirs/adabn/adabn.pth
    python tools/test.py configs/camvid_day2dusk_source_only.py work_dirs/adabn/adabn.pth

What is done: :func:`mmseg_da.apis.adapt_bn.adapt_bn`.
"""
import argparse

from mmengine.config import DictAction

import mmseg_da  # noqa: F401  (registers modules; safe loading of mmengine checkpoints)
from mmseg_da.apis.adapt_bn import META_KEY, adapt_bn
from mmseg_da.apis.checkpoint import read_checkpoint
from mmseg_da.cli import clear_errors
from mmseg_da.fileio.required_paths import require_file


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='AdaBN: BatchNorm statistics of a checkpoint re-estimated on the '
                                     'config\'s unlabelled target training images, written as a checkpoint')
    parser.add_argument('config', help='adaptation config (its training set holds the target images)')
    parser.add_argument('checkpoint', help='the weights to adapt (e.g. the source-only warm-up)')
    parser.add_argument('--out', required=True, help='where the adapted checkpoint is written')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value pairs merged into it')
    parser.add_argument('--batch-size', type=int, default=4, help='target images per batch (default 4)')
    parser.add_argument('--max-batches', type=int, help='at most this many batches (default: every target image '
                        'once)')
    parser.add_argument('--in-order', action='store_true', help='batches of consecutive target images (default: '
                        'shuffled, as training batches are)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the shuffled order (default 0)')
    parser.add_argument('--device', default='cpu', help='where the forward passes run (default cpu)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with clear_errors('adapt_bn.py'):
        for name, value in (('--batch-size', args.batch_size), ('--max-batches', args.max_batches)):
            if value is not None and value < 1:
                raise ValueError(f'{name} must be at least 1, got {value}')
        require_file(args.config, 'config file')
        require_file(args.checkpoint, 'checkpoint file')
        out = adapt_bn(args.config, args.checkpoint, args.out, cfg_options=args.cfg_options,
                       max_batches=args.max_batches, batch_size=args.batch_size, device=args.device,
                       seed=args.seed, shuffle=not args.in_order)
        info = read_checkpoint(out)['meta'][META_KEY]
        print(f'adapt_bn.py: BatchNorm statistics of {args.checkpoint} re-estimated on {info["target_images"]} '
              f'target images ({info["bn_batches"]} batches of {args.batch_size}); written to {out}')


if __name__ == '__main__':
    main()
