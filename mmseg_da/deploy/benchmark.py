"""Latency of a config's deployable segmentor: the forward pass only (no data loading or preprocessing).

What is timed: ``segmentor(images, mode='tensor')`` on a random normalised batch, i.e. the backbone and
decode head up to the logits, as FLOPs are counted: eager, the fast path, and the same graph exported to
ONNX and run by ONNX Runtime. CUDA timings of the PyTorch paths use CUDA events around each call and
synchronise before reading them; ONNX Runtime calls are timed on the host clock (they return when done).
Each latency comes with the GFLOP/s it achieves and, where the peak is known, the fraction of the machine's
fp32 peak (:mod:`~mmseg_da.deploy.machine_peak`).
"""
import functools
import os.path as osp
import platform
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from mmseg_da.apis import init_segmentor
from mmseg_da.models.segmentors.output_levels import head_align_corners

from .complexity import count_flops
from .fast_inference import PRECISIONS, optimize_for_inference, predict_labels
from .machine_peak import estimate_peak, measured_gemm_gflops
from .onnx_export import export_onnx
from .onnx_runtime import OnnxSegmentor, check_input_shape, require

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


#: The timed paths: the eager reference, the fast path, ONNX Runtime on the exported graph.
BACKENDS = ('eager', 'fast', 'onnxruntime')


def gflops_per_s(flops_per_batch: Optional[float], mean_ms: float) -> Optional[float]:
    """Achieved GFLOP/s: fvcore's multiply-adds x 2 FLOP each, per second of the mean latency."""
    if not flops_per_batch or mean_ms <= 0:
        return None
    return 2 * flops_per_batch / (mean_ms / 1e3) / 1e9


def machine_peak(device: torch.device, threads: int, peak_gflops: Optional[float],
                 write: Callable[[str], None]) -> Optional[dict]:
    """The fp32 peak the figures are compared with: ``peak_gflops``, else the CPU estimate (None on CUDA)."""
    if peak_gflops is not None:
        if peak_gflops <= 0:
            raise ValueError(f'--peak-gflops must be > 0, got {peak_gflops}')
        return dict(gflops=float(peak_gflops), source='--peak-gflops', estimate=f'{peak_gflops:g} GFLOP/s (given)')
    if device.type != 'cpu':
        return None
    try:
        estimate = estimate_peak(cores=threads)
    except ValueError as err:
        write(f'no fp32 peak estimate: {err}')
        return None
    gemm = measured_gemm_gflops(estimate.cores)
    described = estimate.describe()
    if gemm > estimate.gflops:  # the clock read is below the real one (e.g. a VM's base clock): the GEMM is the floor
        described += f'; a 2048x2048 fp32 GEMM measured {gemm:.1f} GFLOP/s, above it: peak taken as {gemm:.1f}'
    else:
        described += f' (a 2048x2048 fp32 GEMM measured {gemm:.1f} GFLOP/s)'
    return dict(gflops=max(estimate.gflops, gemm), source='estimate', estimate=described, cores=estimate.cores,
                ghz=estimate.ghz, fma_units=estimate.fma_units, lanes=estimate.lanes, isa=estimate.isa,
                formula_gflops=estimate.gflops, gemm_gflops=gemm)


def prepare_fast(segmentor: nn.Module, inputs: torch.Tensor, compile: bool, write: Callable[[str], None],
                 **options) -> Tuple[Callable[[torch.Tensor], torch.Tensor], bool]:
    """The fast path (:func:`optimize_for_inference`), without ``torch.compile`` where the compiler fails."""
    try:
        return optimize_for_inference(segmentor, inputs, compile=compile, **options), compile
    except RuntimeError as err:
        if not compile or 'torch.compile failed' not in str(err):
            raise
        write(f'{err}: timing the fast path without torch.compile')
        return optimize_for_inference(segmentor, inputs, compile=False, **options), False


def prepare_onnxruntime(segmentor: nn.Module, inputs: torch.Tensor, onnx_file: Optional[str], tmp_dir: str,
                        device: torch.device) -> Tuple[OnnxSegmentor, dict]:
    """An ONNX Runtime session of ``onnx_file``, or of the segmentor exported at the inputs' shape to ``tmp_dir``."""
    ort = require('onnxruntime')
    info = dict(version=ort.__version__, graph_optimization='ORT_ENABLE_ALL', intra_op_threads=torch.get_num_threads())
    if onnx_file is None:
        path = osp.join(tmp_dir, 'segmentor.onnx')
        exported = export_onnx(segmentor, path, tuple(inputs.shape[-2:]), batch=inputs.shape[0])
        info.update(onnx='exported here', opset=exported['opset'])
    else:
        path = onnx_file
        info.update(onnx=onnx_file)
    model = OnnxSegmentor(path, align_corners=head_align_corners(segmentor), device=device)
    check_input_shape(model.session, tuple(inputs.shape), path)
    info['providers'] = model.session.get_providers()
    return model, info


def benchmark(config: str, checkpoint: Optional[str] = None, device: Union[str, torch.device] = 'cpu',
              shape: Sequence[int] = (512, 512), batch: int = 1, warmup: int = 10, iters: int = 50,
              precision: str = 'fp32', fast: bool = False, compile: bool = True, fold_bn: bool = True,
              channels_last: bool = True, cfg_options: Optional[dict] = None,
              write: Callable[[str], None] = print, onnxruntime: bool = False, onnx_file: Optional[str] = None,
              flops: bool = True, peak_gflops: Optional[float] = None) -> dict:
    """Time the deployable segmentor of ``config``: eager, and optionally the fast path and ONNX Runtime.

    Every timed path (mmseg's plain eager forward under ``torch.no_grad``, as mmengine's test loop runs it;
    with ``fast`` the fast path of :func:`~mmseg_da.deploy.optimize_for_inference`; with ``onnxruntime`` the
    exported graph in an ONNX Runtime session with ``torch.get_num_threads()`` intra-op threads) is called
    in turn, call by call, so that load from other processes hits all alike. Each path's figures hold its
    achieved GFLOP/s (fvcore's multiply-adds of the eager model x 2, per second of mean latency) and, beside
    the peak, the fraction of it; each optimised path also its speedup over eager and the agreement of its
    per-pixel predictions with eager's. If ``torch.compile`` fails the fast path is timed without it.

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
        write: Where the messages of a compiler fallback or a missing peak estimate go.
        onnxruntime: Also time ONNX Runtime (fp32; needs the ``deploy`` extra).
        onnx_file: The ``.onnx`` file it runs; None exports the segmentor at ``shape`` to a temporary file.
        flops: Count FLOPs (fvcore) for the GFLOP/s figures.
        peak_gflops: The machine's fp32 peak; None estimates it on CPU (:mod:`~mmseg_da.deploy.machine_peak`).

    Returns:
        The settings; ``backends``: each timed path's figures (:func:`latency_stats`, ``gflops_per_s``,
        ``peak_fraction``; ``speedup``, ``speedup_median`` and ``argmax_agreement`` against eager); ``peak``;
        and at the top level the figures of the best path (the fastest optimised one, else eager), named by
        ``backend`` (also ``mode``), with eager's under ``eager`` and its ``speedup`` and ``argmax_agreement``.

    Raises:
        ValueError: For a setting out of range, naming the command-line option of ``tools/benchmark.py``.
    """
    for name, value, least in (('batch', batch, 1), ('iters', iters, 1), ('warmup', warmup, 0)):
        if value < least:
            raise ValueError(f'--{name} must be >= {least}, got {value}')
    device = resolve_device(str(device))
    if precision == 'fp16' and device.type == 'cpu':
        raise ValueError('--fp16 needs --device cuda; on CPU use --bf16 or fp32')
    if onnxruntime and precision != 'fp32':
        raise ValueError('--backend onnxruntime times the fp32 graph: drop --fp16/--bf16')
    if onnx_file is not None and not onnxruntime:
        raise ValueError('--onnx FILE is timed with --backend onnxruntime')
    if onnxruntime:
        require('onnxruntime')
    peak = machine_peak(device, torch.get_num_threads(), peak_gflops, write)
    segmentor = init_segmentor(config, checkpoint, device, cfg_options)
    inputs = torch.randn(batch, 3, *shape, device=device)
    flops_per_batch = count_flops(segmentor, tuple(shape), batch, table_depth=0,
                                  with_aux_heads=False)['flops_per_batch'] if flops else None

    paths: Dict[str, Callable[[], object]] = {
        'eager': plain_forward(segmentor, inputs, None if precision == 'fp32' else PRECISIONS[precision])}
    models, prepare_s, extra = {}, {}, {}
    with tempfile.TemporaryDirectory(prefix='mmseg_da_onnx_') as tmp_dir:
        if fast:
            begin = time.perf_counter()
            models['fast'], compile = prepare_fast(segmentor, inputs, compile, write, fold_bn=fold_bn,
                                                   channels_last=channels_last, precision=precision, device=device)
            prepare_s['fast'] = time.perf_counter() - begin
            extra['fast_options'] = dict(fold_bn=fold_bn, channels_last=channels_last, inference_mode=True,
                                         compile=bool(compile), precision=precision)
        if onnxruntime:
            begin = time.perf_counter()
            models['onnxruntime'], extra['onnxruntime'] = prepare_onnxruntime(segmentor, inputs, onnx_file, tmp_dir,
                                                                              device)
            prepare_s['onnxruntime'] = time.perf_counter() - begin
        for name, model in models.items():
            paths[name] = functools.partial(model, inputs)
        timers = {name: Timer(torch.device('cpu') if name == 'onnxruntime' else device) for name in paths}
        for _ in range(warmup):
            for run in paths.values():
                run()
        times: Dict[str, List[float]] = {name: [] for name in paths}
        for _ in range(iters):
            for name, run in paths.items():
                times[name].append(timers[name](run))
        reference = predict_labels(segmentor, inputs).cpu()
        agreement = {name: float((reference == model.predict_labels(inputs).cpu()).float().mean())
                     for name, model in models.items()}

    backends = {}
    for name in paths:
        stats = latency_stats(times[name], batch)
        stats['gflops_per_s'] = gflops_per_s(flops_per_batch, stats['mean_ms'])
        stats['peak_fraction'] = (stats['gflops_per_s'] / peak['gflops']
                                  if peak and stats['gflops_per_s'] is not None else None)
        if name != 'eager':
            eager = backends['eager']
            stats.update(speedup=eager['mean_ms'] / stats['mean_ms'],
                         speedup_median=eager['median_ms'] / stats['median_ms'],
                         argmax_agreement=agreement[name], prepare_s=prepare_s[name])
        backends[name] = stats

    result = dict(config=config, checkpoint=checkpoint, device=str(device), device_name=device_name(device),
                  precision=precision, threads=torch.get_num_threads(), shape=list(shape), batch=batch,
                  warmup=warmup, torch=torch.__version__, timed=TIMED, flops_per_image=(
                      flops_per_batch / batch if flops_per_batch else None), peak=peak, backends=backends, **extra)
    best = min(models, key=lambda name: backends[name]['mean_ms']) if models else 'eager'
    result.update(backends[best], backend=best, mode=best)
    if models:
        result['eager'] = backends['eager']
    return result


def format_stats(label: str, s: Dict[str, float], width: int = 6) -> str:
    """One path's latency line; with GFLOP/s (and the fraction of the peak) where counted."""
    line = (f"{label:<{width}} mean {s['mean_ms']:8.2f} ms | std {s['std_ms']:7.2f} | median "
            f"{s['median_ms']:8.2f} | p90 {s['p90_ms']:8.2f} | {s['fps']:8.2f} FPS")
    if s.get('gflops_per_s') is not None:
        line += f" | {s['gflops_per_s']:6.1f} GFLOP/s"
        if s.get('peak_fraction') is not None:
            line += f" ({100 * s['peak_fraction']:.0f}% of peak)"
    return line


def format_result(result: dict) -> str:
    """The console report of :func:`benchmark`'s result."""
    shape, batch = result['shape'], result['batch']
    lines = [f"device: {result['device']} ({result['device_name']}) | precision: {result['precision']} | "
             f"threads: {result['threads']} | input: {batch} x 3 x {shape[0]} x {shape[1]} | "
             f"warmup {result['warmup']}, iters {result['iters']} | torch {result['torch']}",
             f"timed: {result['timed']}{'' if result['checkpoint'] else ' (random weights)'}"]
    if result.get('flops_per_image'):
        lines.append(f"FLOPs: {result['flops_per_image'] / 1e9:.3f} G multiply-adds per image (fvcore); "
                     'GFLOP/s = 2 x multiply-adds / mean latency')
    if result.get('peak'):
        lines.append(f"fp32 peak ({result['peak']['source']}): {result['peak']['estimate']}")
    backends = result.get('backends') or {'eager': result}
    if 'fast' in backends:
        options = result['fast_options']
        lines.append(f"fast path: {', '.join(k for k, v in options.items() if v is True)}"
                     f" ({result['precision']}); prepared in {backends['fast']['prepare_s']:.1f} s")
    if 'onnxruntime' in backends:
        info = result['onnxruntime']
        source = f"exported here, opset {info['opset']}" if info['onnx'] == 'exported here' else info['onnx']
        lines.append(f"onnxruntime {info['version']}: {source}; {info['graph_optimization']}, "
                     f"{info['intra_op_threads']} intra-op threads, {info['providers'][0]}; prepared in "
                     f"{backends['onnxruntime']['prepare_s']:.1f} s")
    width = max(len(name) for name in backends)
    lines += [format_stats(name, stats, width) for name, stats in backends.items()]
    for name, stats in backends.items():
        if name != 'eager':
            lines.append(f"{name}: speedup {stats['speedup']:.2f}x (eager mean / {name} mean), "
                         f"{stats['speedup_median']:.2f}x (medians) | argmax agreement: "
                         f"{100 * stats['argmax_agreement']:.3f}% of pixels")
    if len(backends) > 2:
        best = backends[result['backend']]
        lines.append(f"best: {result['backend']} ({best['speedup']:.2f}x eager"
                     + (f", {100 * best['peak_fraction']:.0f}% of peak" if best.get('peak_fraction') else '') + ')')
    return '\n'.join(lines)
