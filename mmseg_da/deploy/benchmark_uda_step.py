"""Training-step time of an adversarial config against source-only training of the same segmentor.

Three steps on the same random, already preprocessed batch (data loading excluded), timed in turn
(one step of each, ``iters`` times, after ``warmup`` untimed steps of each):

* ``source-only``: supervised loss on the source batch, one optimizer step (the base UDASegmentor);
* ``two-branch``: the same plus a forward/backward of the target batch through the segmentor with a
  trivial loss on the judged levels, no discriminator: the cost any target-aware method pays;
* ``adversarial``: the config's full step (frozen discriminators on the target outputs, then the
  discriminator step on both domains).

The goal is ``adversarial`` at most 15% above ``two-branch`` (the discriminators' own cost). The segmentor
is built from scratch (no download).
"""
import statistics
import time
from typing import Callable, Dict, List, Tuple

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmseg_da.config.overrides import train_from_scratch
from mmseg_da.models.segmentors import AdversarialSegmentor, UDASegmentor
from mmseg_da.reports.tables import console_table


def make_branch(n: int, h: int, w: int, num_classes: int, labelled: bool, device: str) -> dict:
    """A random preprocessed batch of ``n`` images (with labels and edge maps when ``labelled``)."""
    g = torch.Generator().manual_seed(int(labelled))
    inputs = torch.randn(n, 3, h, w, generator=g)
    samples = []
    for _ in range(n):
        sample = SegDataSample(metainfo=dict(img_shape=(h, w), pad_shape=(h, w), ori_shape=(h, w)))
        if labelled:
            sample.gt_sem_seg = PixelData(data=torch.randint(0, num_classes, (1, h, w), generator=g))
            sample.gt_edge_map = PixelData(data=(torch.rand(1, h, w, generator=g) < 0.1).long())
        samples.append(sample.to(device))
    return dict(inputs=inputs.to(device), data_samples=samples)


def two_branch_step(model: AdversarialSegmentor, source: dict, target: dict, optim_wrapper) -> None:
    """Source supervised loss + a target forward/backward of the judged levels, no discriminator."""
    optim = optim_wrapper['segmentor']
    with optim.optim_context(model.segmentor):
        out = model.output_levels.forward(model.segmentor, model.seg_model, target['inputs'])
        probs = model.disc_inputs(out, target['inputs'].shape[2:])
        loss = sum(p.mean() for p in probs.values()) * 1e-3
    optim.backward(loss)
    with optim.optim_context(model.segmentor):
        out = model.output_levels.forward(model.segmentor, model.seg_model, source['inputs'])
        seg_loss, _ = model.parse_losses(
            model.output_levels.loss(model.seg_model, out, source['data_samples']))
    optim.update_params(seg_loss)


def time_steps(variants: Dict[str, Callable[[], object]], iters: int, warmup: int,
               device: str) -> Dict[str, List[float]]:
    """Milliseconds per step of each variant, interleaved (one step of each in turn) so that a
    machine shared with other jobs slows all variants alike."""
    def sync():
        if device.startswith('cuda'):
            torch.cuda.synchronize()
    for step in variants.values():
        for _ in range(warmup):
            step()
    sync()
    times: Dict[str, List[float]] = {name: [] for name in variants}
    for _ in range(iters):
        for name, step in variants.items():
            start = time.perf_counter()
            step()
            sync()
            times[name].append((time.perf_counter() - start) * 1000)
    return times


def check_benchmark(cfg: Config, iters: int = 5, batch: int = 2) -> None:
    """Raise ValueError if the config's model is not an AdversarialSegmentor, or ``iters``/``batch`` < 1."""
    if cfg.model.get('type') != 'AdversarialSegmentor':
        raise ValueError(f'{cfg.filename}: model.type must be AdversarialSegmentor, got {cfg.model.get("type")!r}')
    if iters < 1 or batch < 1:
        raise ValueError('--iters and --batch must be >= 1')


def benchmark_uda_step(cfg: Config, shape: Tuple[int, int], batch: int = 2, iters: int = 5, warmup: int = 2,
                       device: str = 'cpu') -> Tuple[AdversarialSegmentor, Dict[str, List[float]]]:
    """Time the three steps of an adversarial config (changed in place: trained from scratch).

    Returns:
        The model, and the milliseconds of each step (``source-only``, ``two-branch``, ``adversarial``).

    Raises:
        ValueError: As :func:`check_benchmark`.
    """
    check_benchmark(cfg, iters, batch)
    train_from_scratch(cfg)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    torch.manual_seed(0)
    model: AdversarialSegmentor = MODELS.build(cfg.model)
    model.init_weights()
    model.to(device).train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    h, w = shape
    num_classes = model.seg_model.decode_head.num_classes
    source = make_branch(batch, h, w, num_classes, True, device)
    target = make_branch(batch, h, w, num_classes, False, device)
    variants: Dict[str, Callable[[], object]] = {
        'source-only': lambda: UDASegmentor.uda_train_step(model, source, target, optim_wrapper),
        'two-branch': lambda: two_branch_step(model, source, target, optim_wrapper),
        'adversarial': lambda: model.uda_train_step(source, target, optim_wrapper),
    }
    return model, time_steps(variants, iters, warmup, device)


def step_time_report(times: Dict[str, List[float]]) -> str:
    """The step times as a table (mean, median, min ms), then the overheads by median and by minimum."""
    rows = [(name, f'{statistics.mean(t):.1f}', f'{statistics.median(t):.1f}', f'{min(t):.1f}')
            for name, t in times.items()]
    lines = [console_table(rows, ['step', 'mean ms', 'median ms', 'min ms'], align='lrrr')]
    for stat, fn in (('median', statistics.median), ('min', min)):
        t = {name: fn(values) for name, values in times.items()}
        lines.append(f'by {stat}: adversarial / source-only {t["adversarial"] / t["source-only"]:.2f}x; '
                     f'adversarial / two-branch {t["adversarial"] / t["two-branch"]:.3f}x (discriminator '
                     f'overhead {100 * (t["adversarial"] / t["two-branch"] - 1):+.1f}%, goal <= +15%)')
    lines.append('(on a machine shared with other jobs the minimum is the steadier figure)')
    return '\n'.join(lines)
