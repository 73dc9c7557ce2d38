"""Latency of a config's deployable segmentor: the forward pass only (no data loading or preprocessing).

    python tools/benchmark.py configs/pidnet_s_urban_hf_ssr.py [CHECKPOINT] [--device cpu|cuda]
        [--shape 512 512] [--batch 1] [--warmup 10] [--iters 50] [--fp16 | --bf16] [--fast]
        [--no-compile] [--threads N] [--json OUT]

What is timed: ``segmentor(images, mode='tensor')`` on a random normalised batch, i.e. the backbone and
decode head up to the logits, as FLOPs are counted. CUDA timings use CUDA events around each call and
synchronise before reading them. Without a checkpoint the weights are random (latency does not depend
on them).

``--fast`` times the fast inference path (``mmseg_da.deploy.optimize_for_inference``: BatchNorm folded
into convolutions, channels_last, ``torch.inference_mode``, fp16/bf16 if asked, and ``torch.compile``
unless ``--no-compile``) and, in the same run and alternating with it call by call, mmseg's plain eager forward
(under ``torch.no_grad``, as mmengine's test loop runs it); it prints the speedup and the agreement of
the two models' per-pixel predictions (argmax of the logits resized to the input size).
"""
import argparse
import json
import os.path as osp
import platform
import time
from typing import Callable, Dict, List, Optional

import numpy as np
import torch
from mmengine.config import DictAction

import mmseg_da  # noqa: F401  (registers modules)
from mmseg_da.deploy import build_deployable_segmentor, optimize_for_inference, parse_shape
from mmseg_da.deploy.fast_inference import PRECISIONS, predict_labels
from mmseg_da.utils.cli import clear_errors


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
                        help='time the fast inference path against the plain eager forward')
    parser.add_argument('--compile', action=argparse.BooleanOptionalAction, default=True,
                        help='with --fast: torch.compile it (default; --no-compile to skip; falls back '
                        'to no compile if the compiler fails)')
    parser.add_argument('--no-fold-bn', action='store_true', help='with --fast: keep BatchNorms')
    parser.add_argument('--no-channels-last', action='store_true',
                        help='with --fast: keep the contiguous (NCHW) memory format')
    parser.add_argument('--threads', type=int, help='torch CPU threads (default: torch\'s choice)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random weights and inputs')
    parser.add_argument('--json', dest='json_out', help='write the figures to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value pairs')
    return parser.parse_args()


def device_name(device: torch.device) -> str:
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'cpu'


def resolve_device(name: str) -> torch.device:
    try:
        device = torch.device(name)
    except RuntimeError:
        device = None
    if device is None or device.type not in ('cpu', 'cuda'):
        raise ValueError(f"--device must be 'cpu' or 'cuda', got {name!r}")
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise ValueError('--device cuda: CUDA is not available in this torch build / machine')
    return device


class Timer:
    """Milliseconds of one call; CUDA calls are bracketed by events and synchronised."""

    def __init__(self, device: torch.device) -> None:
        self.cuda = device.type == 'cuda'

    def __call__(self, fn: Callable[[], object]) -> float:
        if self.cuda:
            torch.cuda.synchronize()
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            return float(start.elapsed_time(end))
        begin = time.perf_counter()
        fn()
        return (time.perf_counter() - begin) * 1e3


def stats(times_ms: List[float], batch: int) -> Dict[str, float]:
    t = np.asarray(times_ms, dtype=np.float64)
    mean = float(t.mean())
    return dict(mean_ms=mean, std_ms=float(t.std(ddof=1)) if len(t) > 1 else 0.0,
                median_ms=float(np.median(t)), p90_ms=float(np.percentile(t, 90)),
                fps=batch * 1e3 / mean, iters=len(t))


def format_stats(label: str, s: Dict[str, float]) -> str:
    return (f"{label:<6} mean {s['mean_ms']:8.2f} ms | std {s['std_ms']:7.2f} | median "
            f"{s['median_ms']:8.2f} | p90 {s['p90_ms']:8.2f} | {s['fps']:8.2f} FPS")


def plain_forward(segmentor: torch.nn.Module, inputs: torch.Tensor,
                  amp_dtype: Optional[torch.dtype]) -> Callable[[], object]:
    """mmseg's eager tensor-mode forward (autocast when a reduced precision is asked)."""
    def run():
        with torch.no_grad():
            if amp_dtype is None:
                return segmentor(inputs, mode='tensor')
            with torch.autocast(inputs.device.type, dtype=amp_dtype):
                return segmentor(inputs, mode='tensor')
    return run


def main() -> None:
    args = parse_args()
    with clear_errors('benchmark.py'):
        shape = parse_shape(args.shape)
        for name in ('batch', 'iters'):
            if getattr(args, name) < 1:
                raise ValueError(f'--{name} must be >= 1, got {getattr(args, name)}')
        if args.warmup < 0:
            raise ValueError(f'--warmup must be >= 0, got {args.warmup}')
        if args.json_out and not osp.isdir(osp.dirname(osp.abspath(args.json_out))):
            raise FileNotFoundError('--json folder does not exist: '
                                    f'{osp.dirname(osp.abspath(args.json_out))}')
        device = resolve_device(args.device)
        precision = 'fp16' if args.fp16 else 'bf16' if args.bf16 else 'fp32'
        if precision == 'fp16' and device.type == 'cpu':
            raise ValueError('--fp16 needs --device cuda; on CPU use --bf16 or fp32')
        if args.threads is not None:
            torch.set_num_threads(args.threads)
        torch.manual_seed(args.seed)
        segmentor, _ = build_deployable_segmentor(args.config, args.checkpoint, args.cfg_options,
                                                  device)
        inputs = torch.randn(args.batch, 3, *shape, device=device)
        amp_dtype = None if precision == 'fp32' else PRECISIONS[precision]
        timer = Timer(device)
        plain = plain_forward(segmentor, inputs, amp_dtype)

        fast = None
        if args.fast:
            begin = time.perf_counter()
            options = dict(fold_bn=not args.no_fold_bn, channels_last=not args.no_channels_last,
                           precision=precision, device=device)
            try:
                fast = optimize_for_inference(segmentor, inputs, compile=args.compile, **options)
            except RuntimeError as err:
                if not args.compile or 'torch.compile failed' not in str(err):
                    raise
                print(f'{err}: timing the fast path without torch.compile')
                args.compile = False
                fast = optimize_for_inference(segmentor, inputs, compile=False, **options)
            prepare_s = time.perf_counter() - begin

        for _ in range(args.warmup):
            plain()
            if fast is not None:
                fast(inputs)
        plain_times, fast_times = [], []
        for _ in range(args.iters):  # alternate, so that load from other processes hits both alike
            plain_times.append(timer(plain))
            if fast is not None:
                fast_times.append(timer(lambda: fast(inputs)))

    result = dict(config=args.config, checkpoint=args.checkpoint, device=str(device),
                  device_name=device_name(device), precision=precision,
                  threads=torch.get_num_threads(), shape=list(shape), batch=args.batch,
                  warmup=args.warmup, torch=torch.__version__,
                  timed="segmentor(images, mode='tensor')")
    print(f"device: {result['device']} ({result['device_name']}) | precision: {precision} | "
          f"threads: {result['threads']} | input: {args.batch} x 3 x {shape[0]} x {shape[1]} | "
          f"warmup {args.warmup}, iters {args.iters} | torch {torch.__version__}")
    print(f"timed: {result['timed']}{'' if args.checkpoint else ' (random weights)'}")
    eager = stats(plain_times, args.batch)
    if fast is None:
        result.update(mode='eager', **eager)
        print(format_stats('eager', eager))
    else:
        measured = stats(fast_times, args.batch)
        options = dict(fold_bn=not args.no_fold_bn, channels_last=not args.no_channels_last,
                       inference_mode=True, compile=bool(args.compile), precision=precision)
        agreement = float((predict_labels(segmentor, inputs).cpu()
                           == fast.predict_labels(inputs).cpu()).float().mean())
        result.update(mode='fast', fast_options=options, prepare_s=prepare_s, **measured,
                      eager=eager, speedup=eager['mean_ms'] / measured['mean_ms'],
                      speedup_median=eager['median_ms'] / measured['median_ms'],
                      argmax_agreement=agreement)
        print(f"fast path: {', '.join(k for k, v in options.items() if v is True)}"
              f" ({precision}); prepared in {prepare_s:.1f} s")
        print(format_stats('eager', eager))
        print(format_stats('fast', measured))
        print(f"speedup: {result['speedup']:.2f}x (eager mean / fast mean), "
              f"{result['speedup_median']:.2f}x (medians) | argmax agreement: "
              f"{100 * agreement:.3f}% of pixels")
    if args.json_out:
        with open(args.json_out, 'w', encoding='utf-8') as f:
            json.dump(result, f, indent=2)
        print(f'wrote {args.json_out}')


if __name__ == '__main__':
    main()
