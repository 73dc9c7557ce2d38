"""Latency of a config's deployable segmentor: the forward pass only (no data loading or preprocessing).

    python tools/benchmark.py configs/pidnet_s_urban_hf_ssr.py [CHECKPOINT] [--device cpu|cuda]
        [--shape 512 512] [--batch 1] [--warmup 10] [--iters 50] [--fp16 | --bf16] [--fast]
        [--backend eager|fast|fast-bf16|onnxruntime|onnxruntime-int8|all ...] [--onnx FILE]
        [--onnx-int8 FILE] [--calib-images 4] [--no-compile] [--threads N] [--peak-gflops X] [--no-flops]
        [--min-agreement 99] [--min-agreement-reduced 90] [--json OUT]

Times ``segmentor(images, mode='tensor')`` on a random batch (random weights without a checkpoint); with
``--fast`` (``--backend fast``) also the fast inference path, with ``--backend onnxruntime`` the graph
exported to ONNX (or ``--onnx FILE``) in ONNX Runtime, with ``--backend onnxruntime-int8`` that graph
quantized to int8 (or ``--onnx-int8 FILE`` from tools/deploy/onnx_quantize.py), with ``--backend fast-bf16``
the fast path in bf16 (skipped with a line where the CPU lacks AVX512_BF16 and AMX), all alternating call by
call with the eager forward; ``all`` is every one of them. Prints each path's latency, achieved GFLOP/s (GOP/s
for int8) and fraction of the peak of its precision, its speedup and the agreement of its predictions with
eager; exits 1 when a path's agreement is below ``--min-agreement`` (fp32 paths) or
``--min-agreement-reduced`` (int8, bf16, fp16 paths), naming the path and its file. See
:func:`mmseg_da.deploy.benchmark.benchmark`.
"""
import argparse
import json
import os.path as osp

import torch
from mmengine.config import DictAction

from mmseg_da.cli import clear_errors
from mmseg_da.deploy import parse_shape
from mmseg_da.deploy.benchmark import BACKENDS, agreement_failures, benchmark, format_result
from mmseg_da.deploy.onnx_runtime import WriteError
from mmseg_da.fileio.atomic_files import write_text_atomically


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Latency of a segmentor forward pass')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint (default: random weights)')
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda' (or 'cuda:N')")
    parser.add_argument('--shape', type=int, nargs='+', default=[512, 512], help='input H W')
    parser.add_argument('--batch', type=int, default=1, help='images per batch')
    parser.add_argument('--warmup', type=int, default=10, help='untimed calls first')
    parser.add_argument('--iters', type=int, default=50, help='timed calls')
    precision = parser.add_mutually_exclusive_group()
    precision.add_argument('--fp16', action='store_true', help='half precision (CUDA)')
    precision.add_argument('--bf16', action='store_true', help='bfloat16')
    parser.add_argument('--fast', action='store_true',
                        help='time the fast inference path against the plain eager forward (= --backend fast)')
    parser.add_argument('--backend', action='append', choices=BACKENDS + ('all',), default=[],
                        help='paths timed besides eager (repeatable): fast, fast-bf16, onnxruntime (the exported '
                        "graph in ONNX Runtime, needs pip install -e '.[deploy]'), onnxruntime-int8, all")
    parser.add_argument('--onnx', dest='onnx_file',
                        help='with --backend onnxruntime: time this .onnx file (default: export the segmentor)')
    parser.add_argument('--onnx-int8', dest='onnx_int8_file',
                        help='with --backend onnxruntime-int8: time this int8 .onnx (default: quantize here)')
    parser.add_argument('--calib-images', type=int, default=4,
                        help='random images that calibrate the int8 graph quantized here (default 4)')
    parser.add_argument('--min-agreement', type=float, default=99.0,
                        help='exit 1 when an fp32 path agrees with eager on fewer pixels (%%) (default 99)')
    parser.add_argument('--min-agreement-reduced', type=float, default=90.0,
                        help='the same floor for the int8, bf16 and fp16 paths (default 90)')
    parser.add_argument('--compile', action=argparse.BooleanOptionalAction, default=True,
                        help='with --fast: torch.compile it (default; --no-compile to skip; falls back '
                        'to no compile if the compiler fails)')
    parser.add_argument('--no-fold-bn', action='store_true', help='with --fast: keep BatchNorms')
    parser.add_argument('--no-channels-last', action='store_true',
                        help='with --fast: keep the contiguous (NCHW) memory format')
    parser.add_argument('--threads', type=int, help='torch CPU threads (default: torch\'s choice)')
    parser.add_argument('--peak-gflops', type=float,
                        help="the machine's fp32 peak in GFLOP/s (default: estimated from /proc/cpuinfo on CPU)")
    parser.add_argument('--no-flops', action='store_true', help='skip the FLOP count (no GFLOP/s figures)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random weights and inputs')
    parser.add_argument('--json', dest='json_out', help='write the figures to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value pairs')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with clear_errors('benchmark.py'):
        shape = parse_shape(args.shape)
        json_dir = osp.dirname(osp.abspath(args.json_out or '.'))
        if args.json_out and not osp.isdir(json_dir):
            raise FileNotFoundError(f'--json folder does not exist: {json_dir}')
        precision = 'fp16' if args.fp16 else 'bf16' if args.bf16 else 'fp32'
        if args.threads is not None:
            torch.set_num_threads(args.threads)
        torch.manual_seed(args.seed)
        backends = set(args.backend)
        if 'all' in backends:
            backends.update(BACKENDS)
        result = benchmark(args.config, args.checkpoint, device=args.device, shape=shape, batch=args.batch,
                           warmup=args.warmup, iters=args.iters, precision=precision,
                           fast=args.fast or 'fast' in backends, compile=args.compile, fold_bn=not args.no_fold_bn,
                           channels_last=not args.no_channels_last, cfg_options=args.cfg_options,
                           onnxruntime='onnxruntime' in backends, onnx_file=args.onnx_file,
                           flops=not args.no_flops, peak_gflops=args.peak_gflops,
                           fast_bf16='fast-bf16' in backends, int8='onnxruntime-int8' in backends,
                           onnx_int8_file=args.onnx_int8_file, calib_images=args.calib_images)
        print(format_result(result))
        if args.json_out:
            try:
                write_text_atomically(args.json_out, json.dumps(result, indent=2))
            except OSError as err:
                raise WriteError(f'cannot write --json {args.json_out}: {err.strerror or err} '
                                 f'({type(err).__name__}); the figures are printed above') from err
            print(f'wrote {args.json_out}')
        failures = agreement_failures(result, args.min_agreement, args.min_agreement_reduced)
        if failures:
            raise ValueError('the predictions of a timed path disagree with eager, so its speedup is not one of '
                             'the same model: ' + ' | '.join(failures))


if __name__ == '__main__':
    main()
