"""Predict images with a trained segmentor and write coloured masks, overlays and comparisons.

Examples::

    # files and folders of images
    python tools/predict.py configs/pidnet_s_urban.py work_dirs/pidnet_s_urban/iter_4000.pth \\
        demo/a.png data/loveDA/Val/Rural/images_png --out preds/
    # the config's test (or val) dataset, e.g. LoveDA Val of both domains; with labels, also compare pictures
    python tools/predict.py configs/pidnet_s_urban2rural_adv_single.py work_dirs/.../best.pth \\
        --dataset-split test --limit 20 --out preds/ --device cpu
    # LoveDA's unlabelled Test split through the same config
    python tools/predict.py CONFIG CKPT --dataset-split test \\
        --cfg-options test_dataloader.dataset.split=Test --out preds/

For every input ``<name>`` it writes ``<name>_mask.png`` (an indexed PNG in the dataset's palette; its raw
values are the class indices), ``<name>_overlay.png`` (the prediction over the image, opacity ``--overlay``;
0 turns it off) and, where ground truth is available (dataset inputs with labels), ``<name>_compare.png``
(ground truth | prediction over the image). Adaptation checkpoints work as they are: the model is reduced to
its deployable segmentor. See :mod:`mmseg_da.apis.predict`.
"""
import argparse
import sys
from typing import Optional, Sequence

from mmseg_da.apis.predict import predict
from mmseg_da.cli import add_inference_arguments, clear_errors
from mmseg_da.config.loading import load_config
from mmseg_da.fileio.required_paths import require_file


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Predict images and write coloured masks and overlays')
    parser.add_argument('config', help='config file (plain or adaptation)')
    parser.add_argument('checkpoint', help='checkpoint file (plain, adaptation or exported segmentor)')
    parser.add_argument('inputs', nargs='*', help='image files and/or folders of images')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--dataset-split', choices=['val', 'test'],
                        help="predict the config's val_dataloader or test_dataloader dataset (with ground "
                        'truth where it has labels)')
    parser.add_argument('--limit', type=int, default=None, help='at most this many dataset images')
    parser.add_argument('--overlay', type=float, default=0.5,
                        help='opacity of the mask in <name>_overlay.png and <name>_compare.png, in [0, 1]; '
                        '0 writes no overlay (comparisons are then drawn at 0.5)')
    add_inference_arguments(parser)
    args = parser.parse_args(argv)
    if not args.inputs and not args.dataset_split:
        parser.error('give image files/folders as INPUT, or --dataset-split val|test')
    if not 0.0 <= args.overlay <= 1.0:
        parser.error(f'--overlay must lie in [0, 1], got {args.overlay}')
    if args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}')
    if args.limit is not None and args.limit < 1:
        parser.error(f'--limit must be >= 1, got {args.limit}')
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    with clear_errors('predict.py'):
        require_file(args.checkpoint, 'checkpoint file')  # fail on a bad path before building the model
        cfg = load_config(args.config, args.cfg_options, data_root=args.data_root)
        predict(cfg, args.checkpoint, args.out, args.inputs, args.dataset_split, args.limit, args.overlay,
                args.device, args.batch_size)
    return 0


if __name__ == '__main__':
    sys.exit(main())
