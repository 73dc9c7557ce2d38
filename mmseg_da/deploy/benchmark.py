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
from mmseg_da.models.utils.output_levels import head_align_corners

from .fast_inference import PRECISIONS, optimize_for_inference, predict_labels
from .get_flops import count_flops
from .machine_peak import estimate_peak, has_bf16, measured_gemm_gflops
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


#: The timed paths: the eager reference, the fast path (fp32, and bf16 where the CPU computes in bf16), ONNX
#: Runtime on the exported graph (fp32, and quantized to int8).
BACKENDS = ('eager', 'fast', 'fast-bf16', 'onnxruntime', 'onnxruntime-int8')

#: Paths timed on the host clock (ONNX Runtime returns when done).
HOST_TIMED = ('onnxruntime', 'onnxruntime-int8')


def backend_precision(name: str, precision: str) -> str:
    """The arithmetic a timed path runs in: ``precision`` for eager and fast, else fixed by the path."""
    return {'fast-bf16': 'bf16', 'onnxruntime': 'fp32', 'onnxruntime-int8': 'int8'}.get(name, precision)


def peak_of(peak: Optional[dict], precision: str) -> Optional[float]:
    """The peak a path of ``precision`` is compared with (GFLOP/s, GOP/s for int8); None where unknown."""
    if not peak:
        return None
    return {'fp32': peak.get('gflops'), 'bf16': peak.get('bf16_gflops'), 'int8': peak.get('int8_gops')}.get(precision)


def bf16_support(device: torch.device) -> Tuple[bool, str]:
    """Whether bf16 runs natively on ``device`` (CPU: AVX512_BF16 or AMX; CUDA: compute capability >= 8.0)."""
    if device.type == 'cuda':
        supported = torch.cuda.is_bf16_supported()
        return supported, f'{device_name(device)} {"has" if supported else "lacks"} native bf16'
    return has_bf16()


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
    # the clock read may be below the real one (e.g. a VM's base clock): the GEMM is then a floor of the peak,
    # and the int8 and bf16 peaks (same units, same clock) are scaled alike
    scale = max(1.0, gemm / estimate.gflops)
    if scale > 1:
        described += f'; a 2048x2048 fp32 GEMM measured {gemm:.1f} GFLOP/s, above it: peak taken as {gemm:.1f}'
    else:
        described += f' (a 2048x2048 fp32 GEMM measured {gemm:.1f} GFLOP/s)'
    scaled = f' (x {scale:.2f}, as the fp32 peak)' if scale > 1 else ''
    int8 = estimate.int8_gops and estimate.int8_gops * scale
    bf16 = estimate.bf16_gflops and estimate.bf16_gflops * scale
    return dict(gflops=max(estimate.gflops, gemm), source='estimate', estimate=described, cores=estimate.cores,
                ghz=estimate.ghz, fma_units=estimate.fma_units, lanes=estimate.lanes, isa=estimate.isa,
                half_width=estimate.half_width, formula_gflops=estimate.gflops, gemm_gflops=gemm,
                int8_gops=int8, int8_isa=estimate.int8_isa, int8_estimate=estimate.describe_int8() + (
                    scaled if int8 else ''), bf16_gflops=bf16, bf16_estimate=estimate.describe_bf16() + (
                    scaled if bf16 else ''))


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


def fp32_graph(segmentor: nn.Module, inputs: torch.Tensor, onnx_file: Optional[str], tmp_dir: str) -> dict:
    """``onnx_file``, or the segmentor exported at the inputs' shape to ``tmp_dir``: ``path`` and how it came."""
    if onnx_file is not None:
        return dict(path=onnx_file, onnx=onnx_file)
    path = osp.join(tmp_dir, 'segmentor.onnx')
    exported = export_onnx(segmentor, path, tuple(inputs.shape[-2:]), batch=inputs.shape[0])
    return dict(path=path, onnx='exported here', opset=exported['opset'])


def prepare_onnxruntime(segmentor: nn.Module, inputs: torch.Tensor, graph: dict,
                        device: torch.device) -> Tuple[OnnxSegmentor, dict]:
    """An ONNX Runtime session of ``graph['path']`` (see :func:`fp32_graph`), checked against the inputs' shape."""
    ort = require('onnxruntime')
    info = dict(version=ort.__version__, graph_optimization='ORT_ENABLE_ALL', intra_op_threads=torch.get_num_threads(),
                **{k: v for k, v in graph.items() if k != 'path'})
    model = OnnxSegmentor(graph['path'], align_corners=head_align_corners(segmentor), device=device)
    check_input_shape(model.session, tuple(inputs.shape), graph['path'])
    info['providers'] = model.session.get_providers()
    return model, info


def prepare_int8(segmentor: nn.Module, inputs: torch.Tensor, graph: Optional[dict], int8_file: Optional[str],
                 calib_images: int, tmp_dir: str, device: torch.device) -> Tuple[OnnxSegmentor, dict]:
    """An ONNX Runtime session of ``int8_file``, or of the fp32 graph quantized here.

    Here the calibration images are ``calib_images`` random normal batches of the inputs' shape (other than
    the timed one): enough for latency; accuracy on target images is ``tools/deploy/onnx_quantize.py``'s.
    """
    from .onnx_quantize import ArrayCalibrationReader, quantize_onnx
    if int8_file is None:
        int8_file = osp.join(tmp_dir, 'segmentor_int8.onnx')
        generator = torch.Generator().manual_seed(1)
        images = [torch.randn(inputs.shape, generator=generator) for _ in range(calib_images)]
        name = OnnxSegmentor(graph['path'], threads=1).input_name
        quantized = quantize_onnx(graph['path'], int8_file, ArrayCalibrationReader(name, images))
        source = dict(onnx='quantized here', calibration=f'{calib_images} random images',
                      reduce_range=quantized['reduce_range'], per_channel=quantized['per_channel'])
    else:
        source = dict(onnx=int8_file)
    return prepare_onnxruntime(segmentor, inputs, dict(path=int8_file, **source), device)


def benchmark(config: str, checkpoint: Optional[str] = None, device: Union[str, torch.device] = 'cpu',
              shape: Sequence[int] = (512, 512), batch: int = 1, warmup: int = 10, iters: int = 50,
              precision: str = 'fp32', fast: bool = False, compile: bool = True, fold_bn: bool = True,
              channels_last: bool = True, cfg_options: Optional[dict] = None,
              write: Callable[[str], None] = print, onnxruntime: bool = False, onnx_file: Optional[str] = None,
              flops: bool = True, peak_gflops: Optional[float] = None, fast_bf16: bool = False, int8: bool = False,
              onnx_int8_file: Optional[str] = None, calib_images: int = 4) -> dict:
    """Time the deployable segmentor of ``config``: eager, and optionally the fast path and ONNX Runtime.

    Every timed path (mmseg's plain eager forward under ``torch.no_grad``, as mmengine's test loop runs it;
    with ``fast`` the fast path of :func:`~mmseg_da.deploy.optimize_for_inference`; with ``onnxruntime`` the
    exported graph in an ONNX Runtime session with ``torch.get_num_threads()`` intra-op threads; with
    ``fast_bf16`` the fast path in bf16 where the device computes in bf16, else a line says why it is skipped;
    with ``int8`` the graph quantized to int8 in ONNX Runtime) is called
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
        peak_gflops: The machine's fp32 peak; None estimates it on CPU (:mod:`~mmseg_da.deploy.machine_peak`),
            with its int8 and bf16 peaks (the int8 path's GOP/s and the bf16 path's GFLOP/s are compared with those).
        fast_bf16: Also time the fast path in bf16 (skipped, with a line, where bf16 is not native).
        int8: Also time the int8 graph in ONNX Runtime.
        onnx_int8_file: The int8 ``.onnx`` it runs (``tools/deploy/onnx_quantize.py``); None quantizes the fp32
            graph here, calibrated on ``calib_images`` random images.
        calib_images: See ``onnx_int8_file``.

    Returns:
        The settings; ``backends``: each timed path's figures (:func:`latency_stats`, ``gflops_per_s``,
        ``peak_fraction``, ``precision``; ``speedup``, ``speedup_median`` and ``argmax_agreement`` against eager);
        ``skipped`` (path -> why); ``peak``;
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
    if (onnxruntime or int8) and precision != 'fp32':
        raise ValueError('--backend onnxruntime / onnxruntime-int8 time the fp32 / int8 graph: drop --fp16/--bf16')
    if onnx_file is not None and not (onnxruntime or int8):
        raise ValueError('--onnx FILE is timed with --backend onnxruntime (or quantized by onnxruntime-int8)')
    if onnx_int8_file is not None and not int8:
        raise ValueError('--onnx-int8 FILE is timed with --backend onnxruntime-int8')
    if calib_images < 1:
        raise ValueError(f'--calib-images must be >= 1, got {calib_images}')
    for name, path in (('--onnx', onnx_file), ('--onnx-int8', onnx_int8_file)):
        if path is not None and not osp.isfile(path):
            raise FileNotFoundError(f'{name} file not found: {path!r}')
    if onnxruntime or int8:
        require('onnxruntime')
    skipped = {}
    if fast_bf16:
        supported, why = bf16_support(device)
        if not supported:
            skipped['fast-bf16'] = why
            write(f'fast-bf16 skipped: {why}')
            fast_bf16 = False
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
        if fast_bf16:
            begin = time.perf_counter()
            models['fast-bf16'], bf16_compile = prepare_fast(segmentor, inputs, compile, write, fold_bn=fold_bn,
                                                             channels_last=channels_last, precision='bf16',
                                                             device=device)
            prepare_s['fast-bf16'] = time.perf_counter() - begin
            extra['fast_bf16_options'] = dict(fold_bn=fold_bn, channels_last=channels_last, inference_mode=True,
                                              compile=bool(bf16_compile), precision='bf16')
        graph = None
        if onnxruntime or (int8 and onnx_int8_file is None):
            begin = time.perf_counter()
            graph = fp32_graph(segmentor, inputs, onnx_file, tmp_dir)
            export_s = time.perf_counter() - begin
        if onnxruntime:
            begin = time.perf_counter()
            models['onnxruntime'], extra['onnxruntime'] = prepare_onnxruntime(segmentor, inputs, graph, device)
            prepare_s['onnxruntime'] = time.perf_counter() - begin + export_s
        if int8:
            begin = time.perf_counter()
            models['onnxruntime-int8'], extra['onnxruntime_int8'] = prepare_int8(
                segmentor, inputs, graph, onnx_int8_file, calib_images, tmp_dir, device)
            prepare_s['onnxruntime-int8'] = time.perf_counter() - begin
        for name, model in models.items():
            paths[name] = functools.partial(model, inputs)
        timers = {name: Timer(torch.device('cpu') if name in HOST_TIMED else device) for name in paths}
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
        stats['precision'] = backend_precision(name, precision)
        stats['gflops_per_s'] = gflops_per_s(flops_per_batch, stats['mean_ms'])
        limit = peak_of(peak, stats['precision'])
        stats['peak_fraction'] = stats['gflops_per_s'] / limit if limit and stats['gflops_per_s'] is not None else None
        if name != 'eager':
            eager = backends['eager']
            stats.update(speedup=eager['mean_ms'] / stats['mean_ms'],
                         speedup_median=eager['median_ms'] / stats['median_ms'],
                         argmax_agreement=agreement[name], prepare_s=prepare_s[name])
        backends[name] = stats

    peak_memory_mb = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == 'cuda' else None
    result = dict(config=config, checkpoint=checkpoint, device=str(device), device_name=device_name(device),
                  precision=precision, threads=torch.get_num_threads(), shape=list(shape), batch=batch,
                  warmup=warmup, torch=torch.__version__, timed=TIMED, flops_per_image=(
                      flops_per_batch / batch if flops_per_batch else None), peak=peak, backends=backends,
                  skipped=skipped, peak_memory_mb=peak_memory_mb, **extra)
    best = min(models, key=lambda name: backends[name]['mean_ms']) if models else 'eager'
    result.update({k: v for k, v in backends[best].items() if k != 'precision'}, backend=best, mode=best)
    if models:
        result['eager'] = backends['eager']
    return result


def peak_name(stats: Dict[str, float]) -> str:
    """``'peak'`` (fp32), else e.g. ``'int8 peak'``."""
    precision = stats.get('precision', 'fp32')
    return 'peak' if precision == 'fp32' else f'{precision} peak'


def format_stats(label: str, s: Dict[str, float], width: int = 6) -> str:
    """One path's latency line; with GFLOP/s (and the fraction of the peak) where counted."""
    line = (f"{label:<{width}} mean {s['mean_ms']:8.2f} ms | std {s['std_ms']:7.2f} | median "
            f"{s['median_ms']:8.2f} | p90 {s['p90_ms']:8.2f} | {s['fps']:8.2f} FPS")
    if s.get('gflops_per_s') is not None:
        precision = s.get('precision', 'fp32')
        line += f" | {s['gflops_per_s']:6.1f} {'GOP/s  ' if precision == 'int8' else 'GFLOP/s'}"
        if s.get('peak_fraction') is not None:
            line += f" ({100 * s['peak_fraction']:.0f}% of {peak_name(s)})"
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
    backends = result.get('backends') or {'eager': result}
    precisions = {stats.get('precision') for stats in backends.values()}
    if result.get('peak'):
        peak = result['peak']
        lines.append(f"fp32 peak ({peak['source']}): {peak['estimate']}")
        for kind in ('int8', 'bf16'):
            if kind in precisions and peak.get(f'{kind}_estimate'):
                lines.append(f"{kind} peak: {peak[f'{kind}_estimate']}")
    if 'fast' in backends:
        options = result['fast_options']
        lines.append(f"fast path: {', '.join(k for k, v in options.items() if v is True)}"
                     f" ({result['precision']}); prepared in {backends['fast']['prepare_s']:.1f} s")
    if 'fast-bf16' in backends:
        options = result['fast_bf16_options']
        lines.append(f"fast-bf16 path: {', '.join(k for k, v in options.items() if v is True)} (bf16 weights and "
                     f"activations); prepared in {backends['fast-bf16']['prepare_s']:.1f} s")
    for name, key in (('onnxruntime', 'onnxruntime'), ('onnxruntime-int8', 'onnxruntime_int8')):
        if name not in backends:
            continue
        info = result[key]
        source = info['onnx']
        if source == 'exported here':
            source = f"exported here, opset {info['opset']}"
        elif source == 'quantized here':
            reduced = ', reduced range' if info['reduce_range'] else ''
            source = (f"quantized here (QDQ, U8S8, per-channel weights{reduced}; calibrated on "
                      f"{info['calibration']}; tools/deploy/onnx_quantize.py calibrates on target images)")
        lines.append(f"{name} {info['version']}: {source}; {info['graph_optimization']}, "
                     f"{info['intra_op_threads']} intra-op threads, {info['providers'][0]}; prepared in "
                     f"{backends[name]['prepare_s']:.1f} s")
    for name, why in (result.get('skipped') or {}).items():
        lines.append(f'{name} skipped: {why}')
    width = max(len(name) for name in backends)
    lines += [format_stats(name, stats, width) for name, stats in backends.items()]
    for name, stats in backends.items():
        if name != 'eager':
            lines.append(f"{name}: speedup {stats['speedup']:.2f}x (eager mean / {name} mean), "
                         f"{stats['speedup_median']:.2f}x (medians) | argmax agreement: "
                         f"{100 * stats['argmax_agreement']:.3f}% of pixels")
    if 'onnxruntime' in backends and 'onnxruntime-int8' in backends:
        ratio = backends['onnxruntime']['mean_ms'] / backends['onnxruntime-int8']['mean_ms']
        lines.append(f'onnxruntime-int8 vs onnxruntime (fp32): {ratio:.2f}x (means)')
    if 'fast' in backends and 'fast-bf16' in backends:
        ratio = backends['fast']['mean_ms'] / backends['fast-bf16']['mean_ms']
        lines.append(f'fast-bf16 vs fast (fp32): {ratio:.2f}x (means)')
    if len(backends) > 2:
        best = backends[result['backend']]
        fraction = f", {100 * best['peak_fraction']:.0f}% of {peak_name(best)}" if best.get('peak_fraction') else ''
        lines.append(f"best: {result['backend']} ({best['speedup']:.2f}x eager{fraction})")
    return '\n'.join(lines)


def agreement_failures(result: dict, min_agreement: float, min_agreement_reduced: float) -> List[str]:
    """The paths whose argmax agreement with eager is below its floor (%), each named with its file.

    Args:
        result: :func:`benchmark`'s result.
        min_agreement: Floor of the paths that compute in the eager path's precision (fp32 fast path, fp32
            ONNX Runtime): they should agree on nearly every pixel.
        min_agreement_reduced: Floor of the paths in a lower precision (int8, bf16, fp16).
    """
    failures = []
    eager_precision = result['backends']['eager'].get('precision', result.get('precision', 'fp32'))
    for name, stats in result['backends'].items():
        if name == 'eager':
            continue
        reduced = stats.get('precision', eager_precision) != eager_precision or eager_precision != 'fp32'
        floor, flag = (min_agreement_reduced, '--min-agreement-reduced') if reduced else (min_agreement,
                                                                                          '--min-agreement')
        agreement = 100 * stats['argmax_agreement']
        if agreement < floor:
            info = result.get(name.replace('-', '_')) or {}
            what = info.get('onnx')
            where = (f'the file {what}' if what not in (None, 'exported here', 'quantized here')
                     else f'the {name} path of {result["config"]}'
                     + (f' with {result["checkpoint"]}' if result.get('checkpoint') else ' (random weights)'))
            failures.append(f'{name}: argmax agreement with eager {agreement:.3f}% < {flag} {floor:g}% ({where}'
                            + ('; was it exported from other weights? pass the checkpoint it came from'
                               if what not in (None, 'exported here', 'quantized here') else '') + ')')
    return failures
