"""Pseudo-label the target training images of a config with a trained (teacher) checkpoint.

Examples::

    # keep pixels whose max softmax probability is at least 0.9
    python tools/pseudo_label.py configs/camvid_day2dusk_pseudo_label.py \\
        work_dirs/source_only/iter_1000.pth --out work_dirs/pl_dusk --threshold 0.9
    # class-balanced: in every class, ignore the least confident 50 % of its predicted pixels (exact)
    python tools/pseudo_label.py CONFIG CKPT --out DIR --class-percentile 50
    # an mmseg model-zoo teacher: its config names the images and its checkpoint URL (load_from)
    python tools/pseudo_label.py configs/deeplabv3plus_r101_citys_teacher.py \\
        --out work_dirs/citys_pseudo_labels_deeplabv3plus_r101

The images are the config's ``pseudo_label_dataset`` where it defines one (a teacher config), else those
of its training set: the ``target`` of a ``UDADataset``, or the wrapped dataset of a ``PseudoLabelDataset``
(so a student config names its own teacher's images). They go through the config's test pipeline without
annotations. See :mod:`mmseg_da.apis.pseudo_label` and docs/heavy_teacher.md.
"""
import argparse
import sys
from typing import Optional, Sequence

from mmseg_da.apis.pseudo_label import MANIFEST, PseudoLabeller, format_summary
from mmseg_da.cli import add_inference_arguments, clear_errors
from mmseg_da.config.loading import load_config


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Write pseudo-labels for the target training images')
    parser.add_argument('config', help='teacher config: the images of its `pseudo_label_dataset`, else of its '
                        'training set\'s target domain, are labelled by its model')
    parser.add_argument('checkpoint', nargs='?', default=None,
                        help='teacher checkpoint (plain, adaptation, exported or mmseg segmentor; a path or an '
                        'http(s) URL, downloaded once into torch\'s hub cache); default: the config\'s load_from')
    parser.add_argument('--out', required=True, help='output folder of the label PNGs, summary.json and '
                        f'{MANIFEST} (the list of the files written; must be empty)')
    parser.add_argument('--force', action='store_true',
                        help=f'replace an earlier pseudo-label output in --out: delete the files its {MANIFEST} '
                        'lists, where they are unchanged, and nothing else (a folder without that manifest is '
                        'refused)')
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument('--threshold', type=float, default=None,
                      help='ignore pixels whose confidence is below this value, in (0, 1) (default 0.9)')
    mode.add_argument('--class-percentile', type=float, default=None, metavar='P',
                      help='per class, ignore the pixels below the P-th percentile of its confidences, '
                      'P in [0, 100)')
    add_inference_arguments(parser)
    args = parser.parse_args(argv)
    if args.class_percentile is None and args.threshold is None:
        args.threshold = 0.9
    if args.threshold is not None and not 0 < args.threshold < 1:
        parser.error(f'--threshold must lie in (0, 1), got {args.threshold}')
    if args.class_percentile is not None and not 0 <= args.class_percentile < 100:
        parser.error(f'--class-percentile must lie in [0, 100), got {args.class_percentile}')
    if args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}')
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    with clear_errors('pseudo_label.py'):
        cfg = load_config(args.config, args.cfg_options, data_root=args.data_root)
        checkpoint = args.checkpoint or cfg.get('load_from')
        if not checkpoint:
            raise ValueError(f'no teacher checkpoint: pass one after the config, or set `load_from` in '
                             f'{args.config}')
        if not args.checkpoint:
            print(f'teacher checkpoint: {checkpoint} (the config\'s load_from)')
        labeller = PseudoLabeller(cfg, checkpoint, args.out,
                                  args.threshold, args.class_percentile, args.device, args.batch_size,
                                  args.force)
        summary = labeller.run()
        print(format_summary(summary))
        print(f'wrote {summary["images"]} label PNG(s), summary.json and {MANIFEST} to {labeller.out}; read them with '
              f"dict(type='PseudoLabelDataset', dataset=<the target dataset>, label_dir='{labeller.out}')")
    return 0


if __name__ == '__main__':
    sys.exit(main())
