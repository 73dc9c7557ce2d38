"""Export a config's deployable segmentor to ONNX and check it against PyTorch with ONNX Runtime.

    python tools/deploy/onnx_export.py CONFIG CHECKPOINT --out model.onnx [--shape 512 512] [--dynamic]
        [--full-size] [--opset 17] [--images 8 | --random-inputs] [--min-agreement 99.9] [--data-root DIR]

The checkpoint may be plain or from an adaptation run (the one strict loader, ``init_segmentor``). Parity
is checked on the first ``--images`` images of the config's test split (test pipeline and data
preprocessor, resized to ``--shape``), or on random images with ``--random-inputs``: the argmax agreement
and the largest logit difference are printed, and the exit code is 1 when the agreement is below
``--min-agreement`` (%). Needs the ``deploy`` extra: ``pip install -e .[deploy]``. See
:mod:`mmseg_da.deploy.onnx_export`.
"""
import argparse

from mmengine.config import DictAction

from mmseg_da.apis import init_segmentor
from mmseg_da.cli import clear_errors
from mmseg_da.config.loading import load_config
from mmseg_da.deploy import parse_shape
from mmseg_da.deploy.onnx_export import DEFAULT_OPSET, dataset_images, export_and_check, format_export, random_images


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Export a segmentor to ONNX and check it with ONNX Runtime')
    parser.add_argument('config', help='config file (plain or adaptation)')
    parser.add_argument('checkpoint', help='checkpoint (plain, exported or adaptation)')
    parser.add_argument('--out', required=True, help='the .onnx file to write')
    parser.add_argument('--shape', type=int, nargs='+', default=[512, 512], help='input H W (default 512 512)')
    parser.add_argument('--dynamic', action='store_true', help='dynamic batch, height and width')
    parser.add_argument('--full-size', action='store_true',
                        help="resize the logits to the input size in the graph (default: forward(mode='tensor'))")
    parser.add_argument('--opset', type=int, default=DEFAULT_OPSET, help=f'ONNX opset (default {DEFAULT_OPSET})')
    parser.add_argument('--images', type=int, default=8, help='test images of the parity check (default 8)')
    parser.add_argument('--random-inputs', action='store_true',
                        help='check parity on random images instead of the test split')
    parser.add_argument('--min-agreement', type=float, default=99.9,
                        help='exit 1 when the argmax agreement (%%) is below this (default 99.9)')
    parser.add_argument('--threads', type=int, help='ONNX Runtime threads (default: torch\'s number)')
    parser.add_argument('--data-root', help='folder of the config\'s dataset(s), instead of the config\'s data_root')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with clear_errors('onnx_export.py'):
        shape = parse_shape(args.shape)
        if args.images < 1:
            raise ValueError(f'--images must be >= 1, got {args.images}')
        cfg = load_config(args.config, args.cfg_options, data_root=args.data_root)
        segmentor = init_segmentor(cfg, args.checkpoint)
        if args.random_inputs:
            images, source = random_images(segmentor, args.images, shape), 'random images'
        else:
            images = dataset_images(segmentor, cfg, args.images, shape)
            source = f'test images (resized to {shape[0]}x{shape[1]})'
        result = export_and_check(segmentor, args.out, shape, images, dynamic=args.dynamic, opset=args.opset,
                                  full_size=args.full_size, threads=args.threads)
        print(format_export(result, source))
        agreement = 100 * result['parity']['argmax_agreement']
        if agreement < args.min_agreement:
            raise ValueError(f'parity check failed: argmax agreement {agreement:.3f}% < --min-agreement '
                             f'{args.min_agreement}% ({args.out} was written)')


if __name__ == '__main__':
    main()
