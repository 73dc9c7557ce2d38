"""Quantize a config's deployable segmentor to int8 ONNX, calibrated on unlabelled target images, and check it.

    python tools/deploy/onnx_quantize.py CONFIG CHECKPOINT --out model_int8.onnx [--onnx model_fp32.onnx]
        [--shape H W] [--calib-images 32] [--calib-method minmax|entropy|percentile] [--domain DOMAIN]
        [--no-per-channel] [--no-preprocess] [--eval-images N | --no-eval] [--random-inputs]
        [--min-agreement 90] [--max-miou-drop 1.0] [--data-root DIR] [--threads N] [--json OUT]

Calibration reads ``--calib-images`` images of the deployment domain (an adaptation config's target
dataset, or ``--domain``) through the test pipeline without its label transforms: target labels stay
unread. The fp32 graph is ``--onnx`` or exported here at ``--shape`` (default: the calibration images'
size). Then, on the config's test split: mIoU per domain of PyTorch, fp32 ONNX Runtime and int8 side by
side, and each graph's argmax agreement with PyTorch. Exit 1 when the int8 agreement is below
``--min-agreement`` (%) or it loses more than ``--max-miou-drop`` mIoU on a domain against fp32 ONNX Runtime.
See :mod:`mmseg_da.deploy.onnx_quantize`.
"""
import argparse
import json
import os.path as osp
import tempfile

from mmengine.config import DictAction

from mmseg_da.apis import init_segmentor
from mmseg_da.cli import clear_errors
from mmseg_da.config.loading import load_config
from mmseg_da.deploy import parse_shape
from mmseg_da.deploy.onnx_accuracy import domains_of, evaluate_backends, format_scores
from mmseg_da.deploy.onnx_export import export_onnx, random_images
from mmseg_da.deploy.onnx_quantize import CALIBRATION_METHODS, ArrayCalibrationReader, quantize_onnx, target_images
from mmseg_da.deploy.onnx_runtime import OnnxSegmentor, WriteError
from mmseg_da.fileio.atomic_files import write_text_atomically
from mmseg_da.models.utils.output_levels import head_align_corners


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='int8 ONNX of a segmentor, calibrated on target images')
    parser.add_argument('config', help='config file (plain or adaptation)')
    parser.add_argument('checkpoint', help='checkpoint (plain, exported or adaptation)')
    parser.add_argument('--out', required=True, help='the int8 .onnx file to write')
    parser.add_argument('--onnx', dest='onnx_file', help='the fp32 .onnx to quantize (default: export it here)')
    parser.add_argument('--shape', type=int, nargs='+',
                        help='input H W of the graph exported here (default: the calibration images\' size)')
    parser.add_argument('--calib-images', type=int, default=32, help='unlabelled target images (default 32)')
    parser.add_argument('--calib-method', default='minmax', choices=sorted(CALIBRATION_METHODS),
                        help='how activation ranges are calibrated (default minmax)')
    parser.add_argument('--domain', help='calibrate on the test images of this domain (default: the adaptation '
                        "config's target dataset)")
    parser.add_argument('--no-per-channel', action='store_true', help='one weight scale per tensor')
    parser.add_argument('--no-preprocess', action='store_true', help="skip onnxruntime's quant_pre_process")
    parser.add_argument('--reduce-range', action=argparse.BooleanOptionalAction, default=None,
                        help='7-bit weights (default: on where the CPU has no VNNI)')
    parser.add_argument('--eval-images', type=int, help='score only the first N test images (default: all)')
    parser.add_argument('--no-eval', action='store_true', help='skip the mIoU check on the test split')
    parser.add_argument('--random-inputs', action='store_true',
                        help='calibrate on random images, no mIoU check (a smoke test: no data needed)')
    parser.add_argument('--min-agreement', type=float, default=90.0,
                        help='exit 1 when the int8 argmax agreement with PyTorch (%%) is below this (default 90)')
    parser.add_argument('--max-miou-drop', type=float, default=1.0,
                        help='exit 1 when int8 loses more mIoU than this on a domain, against fp32 (default 1.0)')
    parser.add_argument('--threads', type=int, help='ONNX Runtime threads (default: torch\'s number)')
    parser.add_argument('--json', dest='json_out', help='write the figures to this JSON file')
    parser.add_argument('--data-root', help='folder of the config\'s dataset(s), instead of the config\'s data_root')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    return parser.parse_args()


def check_floors(scores: dict, min_agreement: float, max_drop: float, out: str) -> None:
    """Raise a ValueError naming ``out`` where int8 falls below a floor."""
    int8, fp32 = scores['onnxruntime-int8'], scores.get('onnxruntime')
    failures = []
    agreement = 100 * int8['argmax_agreement']
    if agreement < min_agreement:
        failures.append(f'argmax agreement with PyTorch {agreement:.2f}% < --min-agreement {min_agreement}%')
    if fp32 and 'metrics' in int8:
        for domain in domains_of(fp32['metrics']):
            drop = fp32['metrics'][f'{domain}/mIoU'] - int8['metrics'][f'{domain}/mIoU']
            if drop > max_drop:
                failures.append(f'{domain} mIoU {drop:.2f} below fp32 > --max-miou-drop {max_drop}')
    if failures:
        raise ValueError(f'int8 check failed for {out}: {"; ".join(failures)} ({out} was written; try more '
                         '--calib-images, --calib-method percentile or entropy)')


def main() -> None:
    args = parse_args()
    with clear_errors('onnx_quantize.py'):
        if args.json_out and not osp.isdir(osp.dirname(osp.abspath(args.json_out))):
            raise FileNotFoundError(f'--json folder does not exist: {osp.dirname(osp.abspath(args.json_out))}')
        cfg = load_config(args.config, args.cfg_options, data_root=args.data_root)
        segmentor = init_segmentor(cfg, args.checkpoint)
        shape = parse_shape(args.shape) if args.shape else None
        if args.random_inputs:
            shape = shape or (512, 512)
            images = random_images(segmentor, args.calib_images, shape)
            source = f'{len(images)} random images'
        else:
            images, source = target_images(segmentor, cfg, args.calib_images, shape, args.domain)
        with tempfile.TemporaryDirectory(prefix='mmseg_da_quant_') as tmp_dir:
            fp32 = args.onnx_file
            if fp32 is None:
                fp32 = osp.join(tmp_dir, 'fp32.onnx')
                export_onnx(segmentor, fp32, tuple(images[0].shape[-2:]))
            input_name = OnnxSegmentor(fp32, threads=1).input_name
            info = quantize_onnx(fp32, args.out, ArrayCalibrationReader(input_name, images),
                                 per_channel=not args.no_per_channel, preprocess=not args.no_preprocess,
                                 calibrate_method=args.calib_method, reduce_range=args.reduce_range)
            print(f"wrote {args.out} ({info['bytes'] / 2**20:.1f} MiB, fp32 {info['fp32_bytes'] / 2**20:.1f} MiB): "
                  f"QDQ, uint8 activations, int8 weights {'per channel' if info['per_channel'] else 'per tensor'}"
                  f"{', reduced range' if info['reduce_range'] else ''}, {info['calibrate_method']} calibration "
                  f"on {source}{'' if info['preprocessed'] else ' (without quant_pre_process)'}")
            align = head_align_corners(segmentor)
            models = {'onnxruntime': OnnxSegmentor(fp32, align, threads=args.threads),
                      'onnxruntime-int8': OnnxSegmentor(args.out, align, threads=args.threads)}
            if args.random_inputs or args.no_eval:
                from mmseg_da.deploy.onnx_export import TensorForward, parity
                reference = TensorForward(segmentor).eval()
                scores = {name: parity(reference, model, images, align) for name, model in models.items()}
                for name, score in scores.items():
                    print(f"{name}: argmax agreement with PyTorch {100 * score['argmax_agreement']:.2f}% on the "
                          f"{score['images']} calibration images (no mIoU check)")
            else:
                scores = evaluate_backends(segmentor, cfg, models, max_images=args.eval_images)
                print(format_scores(scores))
        result = dict(config=args.config, checkpoint=args.checkpoint, quantization=info, calibration=source,
                      scores=scores)
        if args.json_out:
            try:
                write_text_atomically(args.json_out, json.dumps(result, indent=2))
            except OSError as err:
                raise WriteError(f'cannot write --json {args.json_out}: {err}') from err
            print(f'wrote {args.json_out}')
        check_floors(scores, args.min_agreement, args.max_miou_drop, args.out)


if __name__ == '__main__':
    main()
