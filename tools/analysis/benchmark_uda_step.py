"""Training-step time of an adversarial config against source-only training of the same segmentor.

    python tools/analysis/benchmark_uda_step.py configs/pidnet_s_urban2rural_adv_multi.py \
        [--shape 512 512] [--batch 2] [--iters 5] [--warmup 2] [--device cpu|cuda] [--threads N]

Three steps on the same random, already preprocessed batch (data loading excluded), timed in turn
(one step of each, ``--iters`` times, after ``--warmup`` untimed steps of each):

* ``source-only``: supervised loss on the source batch, one optimizer step (the base UDASegmentor);
* ``two-branch``: the same plus a forward/backward of the target batch through the segmentor with a
  trivial loss on the judged levels, no discriminator: the cost any target-aware method pays;
* ``adversarial``: the config's full step (frozen discriminators on the target outputs, then the
  discriminator step on both domains).

It prints milliseconds per step and the overheads; the goal is ``adversarial`` at most 15% above
``two-branch`` (the discriminators' own cost). The segmentor is built from scratch (no download).
"""
import argparse
import statistics
import time
from typing import Callable, Dict, List

import torch
from mmengine.config import Config, DictAction
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_da  # noqa: F401  (registers modules)
from mmseg_da.models.segmentors import AdversarialSegmentor, UDASegmentor
from mmseg_da.utils.cli import clear_errors, load_config
from mmseg_da.utils.config_overrides import train_from_scratch


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train-step time: adversarial vs source-only')
    parser.add_argument('config', help='an adversarial config (model.type=AdversarialSegmentor)')
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 512], metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=2, help='images per branch')
    parser.add_argument('--iters', type=int, default=5, help='timed iterations per variant')
    parser.add_argument('--warmup', type=int, default=2, help='untimed iterations per variant')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch\'s)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    return parser.parse_args()


def make_branch(n: int, h: int, w: int, num_classes: int, labelled: bool, device: str) -> dict:
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


def main() -> None:
    args = parse_args()
    with clear_errors('benchmark_uda_step.py'):
        cfg: Config = load_config(args.config, args.cfg_options)
        if cfg.model.get('type') != 'AdversarialSegmentor':
            raise ValueError(f'{args.config}: model.type must be AdversarialSegmentor, got '
                             f'{cfg.model.get("type")!r}')
        if args.iters < 1 or args.batch < 1:
            raise ValueError('--iters and --batch must be >= 1')
    if args.threads:
        torch.set_num_threads(args.threads)
    train_from_scratch(cfg)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    torch.manual_seed(0)
    model: AdversarialSegmentor = MODELS.build(cfg.model)
    model.init_weights()
    model.to(args.device).train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    h, w = args.shape
    num_classes = model.seg_model.decode_head.num_classes
    source = make_branch(args.batch, h, w, num_classes, True, args.device)
    target = make_branch(args.batch, h, w, num_classes, False, args.device)

    variants: Dict[str, Callable[[], object]] = {
        'source-only': lambda: UDASegmentor.uda_train_step(model, source, target, optim_wrapper),
        'two-branch': lambda: two_branch_step(model, source, target, optim_wrapper),
        'adversarial': lambda: model.uda_train_step(source, target, optim_wrapper),
    }
    results = time_steps(variants, args.iters, args.warmup, args.device)

    print(f'config: {args.config}')
    print(f'segmentor: {type(model.seg_model.backbone).__name__} + {model.output_levels.description}; '
          f'levels {model.levels}; discriminator input scale {model.disc_input_scale!r}')
    print(f'device: {args.device}, threads: {torch.get_num_threads()}, batch {args.batch} per branch, '
          f'shape {h}x{w}, {args.iters} timed iterations after {args.warmup} warm-up')
    print(f'{"step":<12} {"mean ms":>10} {"median ms":>10} {"min ms":>10}')
    for name, times in results.items():
        print(f'{name:<12} {statistics.mean(times):>10.1f} {statistics.median(times):>10.1f} '
              f'{min(times):>10.1f}')
    for stat, fn in (('median', statistics.median), ('min', min)):
        t = {name: fn(times) for name, times in results.items()}
        print(f'by {stat}: adversarial / source-only {t["adversarial"] / t["source-only"]:.2f}x; '
              f'adversarial / two-branch {t["adversarial"] / t["two-branch"]:.3f}x (discriminator overhead '
              f'{100 * (t["adversarial"] / t["two-branch"] - 1):+.1f}%, goal <= +15%)')
    print('(on a machine shared with other jobs the minimum is the steadier figure)')


if __name__ == '__main__':
    main()
