"""The GPU figures in one command: short training runs with AMP, their tests, deployable latency, peak memory.

    python -m mmseg_da.deploy.gpu_check [--out work_dirs/gpu_check] [--data-root ../shared/data/camvid]
    python -m mmseg_da.deploy.gpu_check --dry-run     # the same plan on the CPU, tiny: a test of the script

On one GPU, within a budget of 8 minutes (each step has its own time limit): ``--iters`` (50) iterations of
CamVid day -> dusk source-only, adversarial multi-level and DACS + MIC with ``--amp``; ``tools/test.py`` of
each (day and dusk mIoU); ``tools/benchmark.py`` of the deployable PIDNet-S at 512x512 and 1024x2048, batch 1
(eager and the fast path in fp16; eager and ONNX Runtime's CUDA provider in fp32 where onnxruntime-gpu is
installed). The table (seconds, mIoU, latency, peak memory per step) goes to ``<out>/gpu_check.md`` and
``<out>/gpu_check.json``. ``--dry-run`` runs every step on the CPU with 2 iterations, without AMP, on a
64x64 latency input and 2 test images per domain.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from mmseg_da.fileio.atomic_files import write_text_atomically

#: The methods trained, by config.
METHODS = (('source-only', 'configs/camvid_day2dusk_source_only.py'),
           ('adversarial multi-level', 'configs/camvid_day2dusk_adv_multi.py'),
           ('DACS + MIC', 'configs/camvid_day2dusk_dacs_mic.py'))
#: Latency inputs (H, W) on the GPU, and in a dry run.
GPU_SHAPES = ((512, 512), (1024, 2048))
DRY_SHAPES = ((64, 64),)
#: The whole check's budget, seconds.
BUDGET_S = 480


@dataclass
class Step:
    """One command of the check."""
    name: str
    argv: List[str]
    timeout_s: int
    kind: str  # 'train', 'test' or 'latency'
    work_dir: str = ''
    json_out: str = ''
    result: Dict[str, object] = field(default_factory=dict)


def plan(out_dir: str, data_root: str, dry_run: bool = False, iters: Optional[int] = None,
         python: str = sys.executable, onnxruntime_cuda: bool = False) -> List[Step]:
    """The steps of the check, in order."""
    iters = iters or (2 if dry_run else 50)
    device = 'cpu' if dry_run else 'cuda'
    steps = []
    for name, config in METHODS:
        work_dir = osp.join(out_dir, osp.splitext(osp.basename(config))[0])
        options = [f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters + 1}',
                   f'default_hooks.checkpoint.interval={iters}', 'default_hooks.logger.interval=1']
        if dry_run:
            options += ['train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False']
        train = [python, 'tools/train.py', config, '--data-root', data_root, '--work-dir', work_dir,
                 *([] if dry_run else ['--amp']), '--cfg-options', *options]
        steps.append(Step(f'train {name}', train, 120 if not dry_run else 60, 'train', work_dir))
        test_options = ['test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False']
        if dry_run:
            test_options += ['test_dataloader.dataset.datasets.0.indices=2',
                             'test_dataloader.dataset.datasets.1.indices=2']
        test_dir = osp.join(work_dir, 'test')
        test = [python, 'tools/test.py', config, osp.join(work_dir, f'iter_{iters}.pth'), '--data-root', data_root,
                '--work-dir', test_dir, '--cfg-options', *test_options]
        steps.append(Step(f'test {name}', test, 60, 'test', test_dir))
    config = METHODS[0][1]
    for height, width in DRY_SHAPES if dry_run else GPU_SHAPES:
        common = [python, 'tools/benchmark.py', config, '--device', device, '--shape', str(height), str(width),
                  '--batch', '1', '--no-compile', '--warmup', '1' if dry_run else '10',
                  '--iters', '2' if dry_run else '50']
        out = osp.join(out_dir, f'latency_{height}x{width}_fp16.json')
        precision = [] if dry_run else ['--fp16']  # no fp16 on a CPU: the dry run times fp32
        steps.append(Step(f'latency {height}x{width} eager + fast {"fp32" if dry_run else "fp16"}',
                          [*common, *precision, '--backend', 'fast', '--json', out], 90, 'latency', json_out=out))
        if onnxruntime_cuda or dry_run:
            out = osp.join(out_dir, f'latency_{height}x{width}_ort.json')
            steps.append(Step(f'latency {height}x{width} eager + onnxruntime fp32',
                              [*common, '--backend', 'onnxruntime', '--json', out], 120, 'latency', json_out=out))
    return steps


def _latest_json(folder: str, key: str) -> Optional[dict]:
    """The newest JSON record under ``folder`` that has ``key`` (mmengine's test metrics, scalars.json lines)."""
    records = []
    for path in glob.glob(osp.join(folder, '**', '*.json'), recursive=True):
        try:
            with open(path, encoding='utf-8') as f:
                lines = f.read().strip().splitlines()
            for line in lines:
                record = json.loads(line)
                if isinstance(record, dict) and key in record:
                    records.append((osp.getmtime(path), record))
        except (OSError, ValueError):
            continue
    return max(records, key=lambda r: r[0])[1] if records else None


def collect(step: Step) -> Dict[str, object]:
    """The figures of a finished step: mIoU per domain, latency, peak memory."""
    if step.kind == 'train':
        record = _latest_json(step.work_dir, 'memory')  # mmengine logs max_memory_allocated (MB) on CUDA
        return dict(peak_memory_mb=record.get('memory') if record else None)
    if step.kind == 'test':
        record = _latest_json(step.work_dir, 'dusk/mIoU') or {}
        return {k: record.get(k) for k in ('day/mIoU', 'dusk/mIoU')}
    with open(step.json_out, encoding='utf-8') as f:
        result = json.load(f)
    return dict(latency_ms={name: s['mean_ms'] for name, s in result['backends'].items()},
                peak_memory_mb=result.get('peak_memory_mb'), device_name=result.get('device_name'))


def run(steps: List[Step], out_dir: str, budget_s: int = BUDGET_S, write=print) -> dict:
    """Run the steps in order (each within its time limit and what is left of the budget); write the table."""
    os.makedirs(out_dir, exist_ok=True)
    begin = time.monotonic()
    rows = []
    for step in steps:
        left = budget_s - (time.monotonic() - begin)
        if left < 5:
            rows.append(dict(step=step.name, status='skipped: over the budget'))
            continue
        start = time.monotonic()
        log = osp.join(out_dir, step.name.replace(' ', '_').replace('+', '').replace('__', '_') + '.log')
        try:
            with open(log, 'w', encoding='utf-8') as f:
                code = subprocess.run(step.argv, stdout=f, stderr=subprocess.STDOUT,
                                      timeout=min(step.timeout_s, left)).returncode
            status = 'ok' if code == 0 else f'exit {code} (see {log})'
        except subprocess.TimeoutExpired:
            status = f'timed out after {min(step.timeout_s, left):.0f} s (see {log})'
        row = dict(step=step.name, status=status, seconds=round(time.monotonic() - start, 1))
        if status == 'ok':
            try:
                row.update(collect(step))
            except (OSError, ValueError, KeyError) as err:
                row['status'] = f'ok, figures unreadable ({err})'
        rows.append(row)
        write(f"{row['step']}: {row['status']} ({row.get('seconds', 0)} s)")
    result = dict(rows=rows, total_s=round(time.monotonic() - begin, 1), budget_s=budget_s)
    write_text_atomically(osp.join(out_dir, 'gpu_check.json'), json.dumps(result, indent=2))
    write_text_atomically(osp.join(out_dir, 'gpu_check.md'), format_table(result))
    return result


def format_table(result: dict) -> str:
    """The Markdown table of :func:`run`'s rows."""
    lines = ['| step | status | s | day mIoU | dusk mIoU | latency (ms, mean) | peak memory (MB) |',
             '|---|---|---|---|---|---|---|']
    for row in result['rows']:
        latency = ', '.join(f'{k} {v:.2f}' for k, v in (row.get('latency_ms') or {}).items())
        cells = [row['step'], row['status'], row.get('seconds', ''), row.get('day/mIoU', ''),
                 row.get('dusk/mIoU', ''), latency, row.get('peak_memory_mb', '')]
        lines.append('| ' + ' | '.join('' if c is None else str(c) for c in cells) + ' |')
    lines.append(f"\ntotal {result['total_s']} s of a {result['budget_s']} s budget")
    return '\n'.join(lines) + '\n'


def onnxruntime_has_cuda() -> bool:
    """Whether onnxruntime (if installed) has its CUDA execution provider."""
    try:
        import onnxruntime
    except ImportError:
        return False
    return 'CUDAExecutionProvider' in onnxruntime.get_available_providers()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description='The GPU figures in one command (tools/gpu_check.sh)')
    parser.add_argument('--out', default='work_dirs/gpu_check', help='folder of the logs and the table')
    parser.add_argument('--data-root', default='../shared/data/camvid', help='the CamVid folder')
    parser.add_argument('--iters', type=int, help='training iterations per method (default 50; 2 dry)')
    parser.add_argument('--dry-run', action='store_true', default=bool(os.environ.get('GPU_CHECK_DRY_RUN')),
                        help='tiny, on the CPU (or GPU_CHECK_DRY_RUN=1): a test of the script')
    parser.add_argument('--budget', type=int, default=BUDGET_S, help='seconds for the whole check (default 480)')
    args = parser.parse_args(argv)
    import torch
    if not args.dry_run and not torch.cuda.is_available():
        print('gpu_check: error: no CUDA device (torch.cuda.is_available() is False); '
              'GPU_CHECK_DRY_RUN=1 runs the same steps tiny on the CPU', file=sys.stderr)
        return 1
    if not osp.isdir(args.data_root):
        print(f'gpu_check: error: --data-root {args.data_root!r} is not a folder (the CamVid data)', file=sys.stderr)
        return 1
    steps = plan(args.out, args.data_root, args.dry_run, args.iters, onnxruntime_cuda=onnxruntime_has_cuda())
    result = run(steps, args.out, args.budget)
    print(format_table(result))
    print(f"wrote {osp.join(args.out, 'gpu_check.md')}")
    return 0 if all(row['status'].startswith('ok') for row in result['rows']) else 1


if __name__ == '__main__':
    sys.exit(main())
