"""Latency of a config's deployable segmentor: the forward pass only (no data loading or preprocessing).

What is timed: ``segmentor(images, mode='tensor')`` on a random normalised batch, i.e. the backbone and
decode head up to the logits, as FLOPs are counted. CUDA timings use CUDA events around each call and
synchronise before reading them.
"""
import platform
import time
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from mmseg_da.apis import init_segmentor

from .fast_inference import PRECISIONS, optimize_for_inference, predict_labels

TIMED = "segmentor(images, mode='tensor')"


def device_name(device: torch.device) -> str:
    """The GPU's name, or the CPU's model name."""
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
    """``--device``: a CPU or an available CUDA device."""
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


def latency_stats(times_ms: List[float], batch: int) -> Dict[str, float]:
    """Mean, std, median and p90 of the call times, and images per second."""
    t = np.asarray(times_ms, dtype=np.float64)
    mean = float(t.mean())
    return dict(mean_ms=mean, std_ms=float(t.std(ddof=1)) if len(t) > 1 else 0.0,
                median_ms=float(np.median(t)), p90_ms=float(np.percentile(t, 90)),
                fps=batch * 1e3 / mean, iters=len(t))


def format_stats(label: str, s: Dict[str, float]) -> str:
    return (f"{label:<6} mean {s['mean_ms']:8.2f} ms | std {s['std_ms']:7.2f} | median "
            f"{s['median_ms']:8.2f} | p90 {s['p90_ms']:8.2f} | {s['fps']:8.2f} FPS")


def plain_forward(segmentor: nn.Module, inputs: torch.Tensor,
                  amp_dtype: Optional[torch.dtype]) -> Callable[[], object]:
    """mmseg's eager tensor-mode forward (autocast when a reduced precision is asked)."""
    def run():
        with torch.no_grad():
            if amp_dtype is None:
                return segmentor(inputs, mode='tensor')
            with torch.autocast(inputs.device.type, dtype=amp_dtype):
                return segmentor(inputs, mode='tensor')
    return run


def benchmark(config: str, checkpoint: Optional[str] = None, device: Union[str, torch.device] = 'cpu',
              shape: Sequence[int] = (512, 512), batch: int = 1, warmup: int = 10, iters: int = 50,
              precision: str = 'fp32', fast: bool = False, compile: bool = True, fold_bn: bool = True,
              channels_last: bool = True, cfg_options: Optional[dict] = None,
              write: Callable[[str], None] = print) -> dict:
    """Time the deployable segmentor of ``config``; with ``fast`` also its fast inference path.

    With ``fast`` the fast path (:func:`~mmseg_da.deploy.optimize_for_inference`) and mmseg's plain eager
    forward (under ``torch.no_grad``, as mmengine's test loop runs it) are timed alternating call by call,
    so that load from other processes hits both alike; the result then holds the speedup and the agreement
    of the two models' per-pixel predictions. If ``torch.compile`` fails the fast path is timed without it.

    Args:
        config: Config file (plain or adaptation).
        checkpoint: Its weights; None keeps random weights (latency does not depend on them).
        device: Where to run.
        shape: Input (H, W).
        batch: Images per call.
        warmup: Untimed calls first.
        iters: Timed calls.
        precision: ``'fp32'``, ``'fp16'`` or ``'bf16'`` (autocast for the eager forward).
        fast: Also time the fast inference path.
        compile: ``torch.compile`` the fast path.
        fold_bn: Fold BatchNorms into convolutions in the fast path.
        channels_last: Run the fast path in the channels-last memory format.
        cfg_options: Overrides merged into the config.
        write: Where the message of a compiler fallback goes.

    Returns:
        The figures (:func:`latency_stats`) and settings; with ``fast`` the fast path's figures, the
        eager ones under ``eager``, ``speedup``, ``speedup_median`` and ``argmax_agreement``.

    Raises:
        ValueError: For a setting out of range, naming the command-line option of ``tools/benchmark.py``.
    """
    for name, value, least in (('batch', batch, 1), ('iters', iters, 1), ('warmup', warmup, 0)):
        if value < least:
            raise ValueError(f'--{name} must be >= {least}, got {value}')
    device = resolve_device(str(device))
    if precision == 'fp16' and device.type == 'cpu':
        raise ValueError('--fp16 needs --device cuda; on CPU use --bf16 or fp32')
    segmentor = init_segmentor(config, checkpoint, device, cfg_options)
    inputs = torch.randn(batch, 3, *shape, device=device)
    timer = Timer(device)
    plain = plain_forward(segmentor, inputs, None if precision == 'fp32' else PRECISIONS[precision])
    optimized = None
    if fast:
        begin = time.perf_counter()
        options = dict(fold_bn=fold_bn, channels_last=channels_last, precision=precision, device=device)
        try:
            optimized = optimize_for_inference(segmentor, inputs, compile=compile, **options)
        except RuntimeError as err:
            if not compile or 'torch.compile failed' not in str(err):
                raise
            write(f'{err}: timing the fast path without torch.compile')
            compile = False
            optimized = optimize_for_inference(segmentor, inputs, compile=False, **options)
        prepare_s = time.perf_counter() - begin

    for _ in range(warmup):
        plain()
        if optimized is not None:
            optimized(inputs)
    plain_times, fast_times = [], []
    for _ in range(iters):
        plain_times.append(timer(plain))
        if optimized is not None:
            fast_times.append(timer(lambda: optimized(inputs)))

    result = dict(config=config, checkpoint=checkpoint, device=str(device), device_name=device_name(device),
                  precision=precision, threads=torch.get_num_threads(), shape=list(shape), batch=batch,
                  warmup=warmup, torch=torch.__version__, timed=TIMED)
    eager = latency_stats(plain_times, batch)
    if optimized is None:
        return dict(result, mode='eager', **eager)
    measured = latency_stats(fast_times, batch)
    agreement = float((predict_labels(segmentor, inputs).cpu()
                       == optimized.predict_labels(inputs).cpu()).float().mean())
    fast_options = dict(fold_bn=fold_bn, channels_last=channels_last, inference_mode=True, compile=bool(compile),
                        precision=precision)
    return dict(result, mode='fast', fast_options=fast_options, prepare_s=prepare_s, **measured, eager=eager,
                speedup=eager['mean_ms'] / measured['mean_ms'],
                speedup_median=eager['median_ms'] / measured['median_ms'], argmax_agreement=agreement)


def format_result(result: dict) -> str:
    """The console report of :func:`benchmark`'s result."""
    shape, batch = result['shape'], result['batch']
    lines = [f"device: {result['device']} ({result['device_name']}) | precision: {result['precision']} | "
             f"threads: {result['threads']} | input: {batch} x 3 x {shape[0]} x {shape[1]} | "
             f"warmup {result['warmup']}, iters {result['iters']} | torch {result['torch']}",
             f"timed: {result['timed']}{'' if result['checkpoint'] else ' (random weights)'}"]
    if result['mode'] == 'eager':
        return '\n'.join(lines + [format_stats('eager', result)])
    options = result['fast_options']
    lines += [f"fast path: {', '.join(k for k, v in options.items() if v is True)}"
              f" ({result['precision']}); prepared in {result['prepare_s']:.1f} s",
              format_stats('eager', result['eager']),
              format_stats('fast', result),
              f"speedup: {result['speedup']:.2f}x (eager mean / fast mean), "
              f"{result['speedup_median']:.2f}x (medians) | argmax agreement: "
              f"{100 * result['argmax_agreement']:.3f}% of pixels"]
    return '\n'.join(lines)
