"""The results table of several training runs, in Markdown, from their work dirs.

Per run (one row, grouped and sorted by model): VERSION, DATA AUG, SRC DOMAIN, BATCH SIZE, CRITERION,
OPTIMIZER, SCHEDULER, NUM_EPOCHS and ``mIoU (%) <domain>`` for every evaluated domain (adaptation runs
add TGT DOMAIN and METHOD). Then per model, where ``flops.json`` (tools/analysis/get_flops.py --json)
or ``benchmark.json`` (tools/benchmark.py --json) lie in a work dir: parameters, FLOPs and latency.
Then, per model, speed against accuracy: each run's target-domain mIoU, its gain over the baseline run (the
source-only run of that model, or ``baseline``) and its latency, backend and device from ``benchmark.json``.
Then a per-class IoU table per run, one column per domain.
"""
import json
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mmseg_da.config.walk import find_target_dataset
from mmseg_da.reports.tables import markdown_table

from .run_settings import (
    augmentation_text,
    criterion_text,
    default_best_metric,
    domain_text,
    length_text,
    model_name,
    optimizer_text,
    scheduler_text,
    segmentor_cfg,
    train_datasets,
)
from .work_dir_logs import EvalRecord, RunLogs, WorkDirError, warn

SEED_COLUMNS = ['VERSION', 'DATA AUG', 'SRC DOMAIN', 'BATCH SIZE', 'CRITERION', 'OPTIMIZER', 'SCHEDULER',
                'NUM_EPOCHS']
MODEL_COLUMNS = ['VERSION', 'PARAMS', 'GFLOPs / image', 'FLOPs INPUT', 'LATENCY (ms)', 'FPS', 'LATENCY SETTING',
                 'DEVICE']
SPEED_COLUMNS = ['VERSION', 'METHOD', 'mIoU (%) {target}', 'GAIN (points)', 'LATENCY (ms)', 'GFLOP/s', 'BACKEND',
                 'DEVICE']


def pct(value: Any) -> str:
    """A logged percentage with two decimals; ``'-'`` where it is missing."""
    return f'{value:.2f}' if isinstance(value, (int, float)) else '-'


def natural_key(text: str) -> list:
    """Sort key that orders ``run2`` before ``run10``."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r'(\d+)', text)]


def read_json(path: Path) -> Optional[dict]:
    """A JSON object from ``path``; None (with a warning where it is unreadable) if there is none."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding='utf-8'))
    except (OSError, json.JSONDecodeError) as err:
        warn(f'{path}: not readable JSON ({err}); left out of the model section')
        return None
    return data if isinstance(data, dict) else None


def shape_text(shape: Any) -> str:
    return 'x'.join(str(s) for s in shape) if isinstance(shape, (list, tuple)) else str(shape or '-')


def device_text(bench: dict) -> str:
    """``cpu (Intel ...)``: the benchmark's device and its name; ``'-'`` without one."""
    device = str(bench.get('device', '-'))
    if bench.get('device_name') and bench['device_name'] != device:
        device += f" ({bench['device_name']})"
    return device


def model_row(run: RunLogs) -> Optional[List[str]]:
    """Parameters, FLOPs and latency of a run, from flops.json / benchmark.json in its work dir."""
    flops, bench = read_json(run.work_dir / 'flops.json'), read_json(run.work_dir / 'benchmark.json')
    if flops is None and bench is None:
        return None
    flops, bench = flops or {}, bench or {}
    params = flops.get('params', bench.get('params'))
    per_image = flops.get('flops_per_image')
    mean, std = bench.get('mean_ms'), bench.get('std_ms')
    latency = '-'
    if isinstance(mean, (int, float)):
        latency = f'{mean:.2f}' + (f' ± {std:.2f}' if isinstance(std, (int, float)) else '')
    fps = bench.get('fps')
    setting = [f"{shape_text(bench['shape'])}"] if bench.get('shape') else []
    if bench.get('batch') is not None:
        setting.append(f"batch {bench['batch']}")
    setting += [str(bench[k]) for k in ('precision', 'mode') if bench.get(k)]
    if bench.get('threads'):
        setting.append(f"{bench['threads']} threads")
    device = device_text(bench)
    return [
        run.version,
        f'{params:,}' if isinstance(params, int) else str(params if params is not None else '-'),
        f'{per_image / 1e9:.3f}' if isinstance(per_image, (int, float)) else '-',
        shape_text(flops.get('shape')) if flops.get('shape') else '-',
        latency,
        f'{fps:.1f}' if isinstance(fps, (int, float)) else '-',
        ', '.join(setting) or '-',
        device,
    ]


def run_row(run: RunLogs, record: EvalRecord, how: str, domains: Sequence[str], overall: bool,
            uda: bool) -> List[Any]:
    """One table row: the run's settings from its config, then its mIoU per domain."""
    sources, targets = train_datasets(run.config)
    aug, target_aug = augmentation_text(sources), augmentation_text(targets)
    if targets and target_aug != '-' and target_aug != aug:
        aug = f'{aug} / tgt {target_aug}'
    row = [run.version, aug, domain_text(sources),
           (run.config.get('train_dataloader') or {}).get('batch_size', '-'),
           criterion_text(run.config), optimizer_text(run.config), scheduler_text(run.config),
           length_text(run.config)]
    if uda:
        method = segmentor_cfg(run.config.get('model') or {})[1]
        row[3:3] = [domain_text(targets) if targets else '-', method or 'source only']
    row += [pct(record.metrics.get(f'{d}/mIoU')) for d in domains]
    row += [pct(record.metrics.get('mIoU'))] if overall else []
    row.append(f'{how}, {record.when}')
    return row


@dataclass
class SpeedAccuracy:
    """One run's accuracy on the target domain beside its latency (``None`` where unknown).

    Attributes:
        run: The run.
        model: Its model (the table's group, :func:`~.run_settings.model_name`).
        method: The adaptation method, or ``'source only'``.
        target_miou: mIoU (%) on the target domain, from the chosen evaluation.
        gain: ``target_miou`` minus the baseline's, in points.
        is_baseline: Whether this run is the baseline of its model.
        benchmark: The run's ``benchmark.json`` (``{}`` without one).
    """
    run: RunLogs
    model: str
    method: str
    target_miou: Optional[float]
    gain: Optional[float]
    is_baseline: bool
    benchmark: dict

    @property
    def latency_ms(self) -> Optional[float]:
        value = self.benchmark.get('mean_ms')
        return float(value) if isinstance(value, (int, float)) else None

    @property
    def backend(self) -> Optional[str]:
        """The timed path of the figures: ``backend`` (``mode`` in files of older versions)."""
        return self.benchmark.get('backend') or self.benchmark.get('mode')


def adaptation_target(run: RunLogs) -> Optional[dict]:
    """The dataset config of the run's target-domain training images (UDA or pseudo-label runs), else None."""
    return find_target_dataset((run.config.get('train_dataloader') or {}).get('dataset'))


def run_method(run: RunLogs) -> str:
    """The run's adaptation method (the UDA segmentor's type, or pseudo-label self-training), or ``'source only'``."""
    method = segmentor_cfg(run.config.get('model') or {})[1]
    if method:
        return method
    return 'source only' if adaptation_target(run) is None else 'pseudo labels'


def target_domain(runs: Sequence[RunLogs], records: Sequence[EvalRecord],
                  target: Optional[str] = None) -> Optional[str]:
    """The evaluated domain that is the adaptation target.

    ``target`` if given; else the training target of the adaptation runs; else, where every run trained on
    one source, the one evaluated domain that is no run's source. None where neither decides.

    Raises:
        WorkDirError: If ``target`` is given but no run evaluated it.
    """
    evaluated = list(OrderedDict.fromkeys(d for record in records for d in record.domains))
    if target is not None:
        if target not in evaluated:
            raise WorkDirError(f'--target {target}: no run evaluated it (evaluated domains: {evaluated})')
        return target
    targets = [domain_text([dataset]) for dataset in map(adaptation_target, runs) if dataset]
    found = [t for t in OrderedDict.fromkeys(targets) if t in evaluated]
    if found:
        return found[0]
    sources = {domain_text(train_datasets(run.config)[0]) for run in runs}
    others = [d for d in evaluated if d not in sources]
    return others[0] if len(others) == 1 else None


def speed_accuracy(runs: Sequence[RunLogs], records: Sequence[EvalRecord], target: str,
                   baseline: Optional[str] = None) -> List[SpeedAccuracy]:
    """Each run's target mIoU, gain over its model's baseline and ``benchmark.json``, in the order of ``runs``.

    Args:
        runs: The runs.
        records: The evaluation chosen for each run.
        target: The target domain (``<target>/mIoU``).
        baseline: The baseline run by version or work-dir name; default: per model, the first source-only run
            (natural order of versions).

    Raises:
        WorkDirError: If ``baseline`` names no run.
    """
    models = [model_name(run.config) for run in runs]
    if baseline is not None:
        named = [i for i, run in enumerate(runs) if baseline in (run.version, run.work_dir.name)]
        if not named:
            raise WorkDirError(f'--baseline {baseline}: no such run (versions: {[run.version for run in runs]})')
        base_of = {model: named[0] for model in models}
    else:
        source_only = sorted((i for i, run in enumerate(runs) if adaptation_target(run) is None),
                             key=lambda i: natural_key(runs[i].version))
        base_of = {}
        for i in source_only:
            base_of.setdefault(models[i], i)
    mious = [record.metrics.get(f'{target}/mIoU') for record in records]
    mious = [float(m) if isinstance(m, (int, float)) else None for m in mious]
    points = []
    for i, run in enumerate(runs):
        base = base_of.get(models[i])
        gain = None
        if base is not None and mious[i] is not None and mious[base] is not None:
            gain = mious[i] - mious[base]
        points.append(SpeedAccuracy(run, models[i], run_method(run), mious[i], gain, i == base,
                                    read_json(run.work_dir / 'benchmark.json') or {}))
    return points


def speed_row(point: SpeedAccuracy) -> List[str]:
    """A row of the speed-accuracy table; ``'-'`` for what is unknown."""
    bench = point.benchmark
    latency = '-'
    if point.latency_ms is not None:
        std = bench.get('std_ms')
        latency = f'{point.latency_ms:.2f}' + (f' ± {std:.2f}' if isinstance(std, (int, float)) else '')
    gflops = bench.get('gflops_per_s')
    gflops = f'{gflops:.1f}' if isinstance(gflops, (int, float)) else '-'
    if gflops != '-' and isinstance(bench.get('peak_fraction'), (int, float)):
        gflops += f" ({100 * bench['peak_fraction']:.0f}% of peak)"
    gain = 'baseline' if point.is_baseline else f'{point.gain:+.2f}' if point.gain is not None else '-'
    return [point.run.version, point.method, pct(point.target_miou), gain, latency, gflops, point.backend or '-',
            device_text(bench) if bench else '-']


def per_class_section(run: RunLogs, record: EvalRecord, how: str) -> List[str]:
    """A run's per-class IoU table (one column per domain) under its title, as lines."""
    columns = list(record.domains) + ([None] if record.class_ious() else [])
    title = f'### {run.version} ({run.work_dir}, {how}, {record.when})'
    if not columns:
        return [title, '', 'No per-class IoU in the logs.', '']
    tables = {c: record.class_ious(c) for c in columns}
    classes = list(OrderedDict.fromkeys(k for table in tables.values() for k in table))
    rows = [[name] + [pct(tables[c].get(name)) for c in columns] for name in classes]
    for key in ('mIoU', 'mAcc', 'aAcc'):
        rows.append([f'**{key}**'] + [pct(record.metrics.get(f'{c}/{key}' if c else key)) for c in columns])
    return [title, '', markdown_table(['CLASS'] + [c or 'all' for c in columns], rows), '']


def chosen_evals(runs: Sequence[RunLogs], best: Optional[str]) -> Tuple[List[RunLogs], List[Tuple[EvalRecord, str]]]:
    """The runs with a usable evaluation and, for each, that evaluation and how it was chosen."""
    kept, chosen, problems = [], [], []
    for run in runs:
        try:
            if best is None:
                chosen.append((run.final_eval(), 'final'))
            else:
                metric = best or default_best_metric(run.config)
                chosen.append((run.best_eval(metric), f'best {metric}'))
            kept.append(run)
        except WorkDirError as err:
            problems.append(str(err))
    if not chosen:
        raise WorkDirError('no run with a usable evaluation:\n  ' + '\n  '.join(problems))
    for problem in problems:
        warn(f'skipping {problem}')
    return kept, chosen


def build_report(runs: Sequence[RunLogs], best: Optional[str] = None, per_class: bool = True,
                 target: Optional[str] = None, baseline: Optional[str] = None) -> str:
    """The whole Markdown document for ``runs``.

    Args:
        runs: The runs (those without a usable evaluation are skipped with a warning).
        best: None for each run's final evaluation; else the metric of its best evaluation (``''``: the
            config's ``save_best``, else mIoU).
        per_class: Add a per-class IoU table per run.
        target: The target domain of the speed-accuracy tables (default: :func:`target_domain`).
        baseline: The baseline run of the gains (default: each model's first source-only run).

    Raises:
        WorkDirError: If no run has a usable evaluation, or ``target`` / ``baseline`` match no run.
    """
    runs, chosen = chosen_evals(runs, best)
    target = target_domain(runs, [record for record, _ in chosen], target)
    points = speed_accuracy(runs, [record for record, _ in chosen], target, baseline) if target else None
    domains = list(OrderedDict.fromkeys(d for record, _ in chosen for d in record.domains))
    overall = any(not record.domains for record, _ in chosen)
    uda = any(train_datasets(run.config)[1] for run in runs)
    headers = list(SEED_COLUMNS)
    if uda:
        headers[3:3] = ['TGT DOMAIN', 'METHOD']
    headers += [f'mIoU (%) {d}' for d in domains] + (['mIoU (%)'] if overall else []) + ['EVALUATION']

    groups: Dict[str, List[int]] = {}
    for index, run in enumerate(runs):
        groups.setdefault(model_name(run.config), []).append(index)
    ordered = {group: sorted(groups[group], key=lambda i: natural_key(runs[i].version))
               for group in sorted(groups, key=natural_key)}

    mode = 'the final evaluation' if best is None else f'the best evaluation by {best or "save_best / mIoU"}'
    out = ['# Results', '', f'{len(runs)} run(s); mIoU from {mode} in each run\'s logs (%).', '']
    for group, indices in ordered.items():
        rows = [run_row(runs[i], *chosen[i], domains, overall, uda) for i in indices]
        out += [f'## {group}', '', markdown_table(headers, rows), '']
        model_rows = [r for r in (model_row(runs[i]) for i in indices) if r]
        if model_rows:
            out += [f'### {group}: parameters, FLOPs, latency', '', markdown_table(MODEL_COLUMNS, model_rows), '',
                    'FLOPs as fvcore counts them (one multiply-add = one FLOP); latency of the deployable '
                    "segmentor's forward (tools/benchmark.py), data loading excluded.", '']
        if points:
            headers_speed = [c.format(target=target) for c in SPEED_COLUMNS]
            base = next((points[i].run.version for i in indices if points[i].is_baseline), None)
            out += [f'### {group}: speed and accuracy on {target}', '',
                    markdown_table(headers_speed, [speed_row(points[i]) for i in indices]), '',
                    f"GAIN: target mIoU minus the baseline's ({base or 'none among these runs'}). Latency: the "
                    'best path timed by tools/benchmark.py (BACKEND), from benchmark.json in the work dir; GFLOP/s '
                    'as there (2 FLOP per multiply-add).', '']
    if per_class:
        out += ['## Per-class IoU (%)', '']
        for indices in ordered.values():
            for i in indices:
                out += per_class_section(runs[i], *chosen[i])
    return '\n'.join(out).rstrip() + '\n'
