"""The results table of several training runs, in Markdown, from their work dirs.

Example::

    python tools/analysis/results_table.py work_dirs/pidnet_s_rural work_dirs/pidnet_s_urban_hf_ssr \\
        --out results.md                    # final evaluations
    python tools/analysis/results_table.py work_dirs/ --best Rural/mIoU   # every run, best by Rural mIoU

Per run (one row, grouped and sorted by model): VERSION, DATA AUG, SRC DOMAIN, BATCH SIZE, CRITERION,
OPTIMIZER, SCHEDULER, NUM_EPOCHS and ``mIoU (%) <domain>`` for every evaluated domain (adaptation runs
add TGT DOMAIN and METHOD). Then per model, where ``flops.json`` (tools/analysis/get_flops.py --json)
or ``benchmark.json`` (tools/benchmark.py --json) lie in a work dir: parameters, FLOPs and latency.
Then a per-class IoU table per run, one column per domain.
"""
import argparse
import json
import re
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from mmseg_da.utils.work_dir_logs import EvalRecord, RunLogs, WorkDirError, load_runs, warn

DATASET_WRAPPERS = ('RepeatDataset', 'ClassBalancedDataset')
SEED_COLUMNS = ['VERSION', 'DATA AUG', 'SRC DOMAIN', 'BATCH SIZE', 'CRITERION', 'OPTIMIZER', 'SCHEDULER',
                'NUM_EPOCHS']


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Markdown results table of training runs (work dirs)')
    parser.add_argument('work_dirs', nargs='+', help='work dirs, or folders holding work dirs')
    parser.add_argument('--out', help='write the Markdown here (it is printed in any case)')
    parser.add_argument('--best', nargs='?', const='', default=None, metavar='METRIC',
                        help='report the best evaluation instead of the final one, by METRIC (default: '
                        "the config's save_best where it names one, else mIoU)")
    parser.add_argument('--no-per-class', action='store_true', help='leave out the per-class IoU tables')
    return parser.parse_args(argv)


# -- reading a config ---------------------------------------------------------------------------------
def find_typed(obj: Any, type_name: str) -> Iterator[dict]:
    """Every dict with ``type == type_name`` anywhere inside ``obj``."""
    if isinstance(obj, dict):
        if obj.get('type') == type_name:
            yield obj
        for value in obj.values():
            yield from find_typed(value, type_name)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from find_typed(value, type_name)


def as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def join_unique(items: Sequence[str], sep: str = '+') -> str:
    return sep.join(OrderedDict.fromkeys(str(i) for i in items if i)) or '-'


def segmentor_cfg(model: dict) -> Tuple[dict, Optional[str]]:
    """The plain segmentor's config and, for an adaptation model, its type (the method)."""
    method = None
    while isinstance(model.get('segmentor'), dict):
        method = method or model.get('type')
        model = model['segmentor']
    return model, method


def model_name(cfg) -> str:
    """``Backbone[-depth] (DecodeHead)``, the grouping key of the table."""
    seg, _ = segmentor_cfg(cfg.get('model') or {})
    backbone = seg.get('backbone') or {}
    name = str(backbone.get('type', seg.get('type', '?')))
    if backbone.get('depth'):
        name += f"-{backbone['depth']}"
    heads = join_unique([h.get('type') for h in as_list(seg.get('decode_head')) if isinstance(h, dict)])
    return f'{name} ({heads})' if heads != '-' else name


def train_datasets(cfg) -> Tuple[List[dict], List[dict]]:
    """The source (or only) and target training dataset configs, wrappers removed."""

    def unwrap(ds: Any) -> List[dict]:
        out = []
        for item in as_list(ds):
            while isinstance(item, dict) and item.get('type') in DATASET_WRAPPERS:
                item = item.get('dataset')
            if isinstance(item, dict) and item.get('type') == 'ConcatDataset':
                out.extend(unwrap(item.get('datasets')))
            elif isinstance(item, dict):
                out.append(item)
        return out

    dataset = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    if isinstance(dataset, dict) and 'source' in dataset:
        return unwrap(dataset['source']), unwrap(dataset.get('target'))
    return unwrap(dataset), []


def domain_text(datasets: Sequence[dict]) -> str:
    names = []
    for ds in datasets:
        if ds.get('domain'):
            names.extend(str(d) for d in as_list(ds['domain']))
        else:  # e.g. GTA5Dataset -> GTA5
            names.append(re.sub(r'Dataset$', '', str(ds.get('type', '?'))))
    return join_unique(names)


def augmentation_text(datasets: Sequence[dict]) -> str:
    """AlbuAugment presets (and explicit albumentations transforms) in the datasets' pipelines."""
    names: List[str] = []
    for albu in find_typed(list(datasets), 'AlbuAugment'):
        names.extend(str(p) for p in as_list(albu.get('presets')))
        names.extend(str(t.get('type')) for t in as_list(albu.get('transforms')) if isinstance(t, dict))
    return join_unique(names)


def criterion_text(cfg) -> str:
    seg, _ = segmentor_cfg(cfg.get('model') or {})
    losses = []
    for head in as_list(seg.get('decode_head')):
        if isinstance(head, dict):
            losses.extend(loss.get('type') for loss in as_list(head.get('loss_decode'))
                          if isinstance(loss, dict))
    return join_unique(losses)


def optimizer_text(cfg) -> str:

    def one(wrapper: dict) -> str:
        opt = wrapper.get('optimizer') or {}
        lr = f"(lr={opt['lr']:g})" if isinstance(opt.get('lr'), (int, float)) else ''
        return f"{opt.get('type', '?')}{lr}"

    wrapper = cfg.get('optim_wrapper') or {}
    if 'optimizer' in wrapper:
        return one(wrapper)
    parts = [(name, sub) for name, sub in wrapper.items() if isinstance(sub, dict) and 'optimizer' in sub]
    parts.sort(key=lambda item: item[0] != 'segmentor')  # the segmentor's optimizer first
    return ', '.join(one(sub) if name == 'segmentor' else f'{name}: {one(sub)}' for name, sub in parts) or '-'


def scheduler_text(cfg) -> str:
    schedulers = cfg.get('param_scheduler')
    if isinstance(schedulers, dict) and 'type' not in schedulers:  # keyed by optimizer
        schedulers = schedulers.get('segmentor') or [s for v in schedulers.values() for s in as_list(v)]
    names = []
    for sched in as_list(schedulers):
        if isinstance(sched, dict):
            power = f"(power={sched['power']:g})" if isinstance(sched.get('power'), (int, float)) else ''
            names.append(f"{sched.get('type', '?')}{power}")
    return join_unique(names)


def length_text(cfg) -> str:
    train_cfg = cfg.get('train_cfg') or {}
    by_epoch = train_cfg.get('type') == 'EpochBasedTrainLoop' or train_cfg.get('by_epoch')
    if by_epoch or 'max_epochs' in train_cfg:
        return str(train_cfg.get('max_epochs', '-'))
    return f"{train_cfg['max_iters']} iters" if 'max_iters' in train_cfg else '-'


def default_best_metric(cfg) -> str:
    save_best = ((cfg.get('default_hooks') or {}).get('checkpoint') or {}).get('save_best')
    if isinstance(save_best, (list, tuple)):
        save_best = save_best[0] if save_best else None
    return save_best if isinstance(save_best, str) and save_best != 'auto' else 'mIoU'


# -- Markdown -----------------------------------------------------------------------------------------
def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        return str(value).replace('|', '\\|').replace('\n', ' ')

    lines = ['| ' + ' | '.join(map(cell, headers)) + ' |', '|' + '|'.join('---' for _ in headers) + '|']
    lines += ['| ' + ' | '.join(map(cell, row)) + ' |' for row in rows]
    return '\n'.join(lines)


def pct(value: Any) -> str:
    return f'{value:.2f}' if isinstance(value, (int, float)) else '-'


def natural_key(text: str) -> list:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r'(\d+)', text)]


def read_json(path: Path) -> Optional[dict]:
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
    device = str(bench.get('device', '-'))
    if bench.get('device_name') and bench['device_name'] != device:
        device += f" ({bench['device_name']})"
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


def build_report(runs: Sequence[RunLogs], best: Optional[str] = None, per_class: bool = True) -> str:
    """The whole Markdown document for ``runs`` (each must have a finished evaluation)."""
    chosen: Dict[int, Tuple[EvalRecord, str]] = {}
    problems = []
    for index, run in enumerate(runs):
        try:
            if best is None:
                chosen[index] = (run.final_eval(), 'final')
            else:
                metric = best or default_best_metric(run.config)
                chosen[index] = (run.best_eval(metric), f'best {metric}')
        except WorkDirError as err:
            problems.append(str(err))
    if not chosen:
        raise WorkDirError('no run with a usable evaluation:\n  ' + '\n  '.join(problems))
    for problem in problems:
        warn(f'skipping {problem}')
    runs = [runs[i] for i in sorted(chosen)]
    chosen = {new: chosen[old] for new, old in enumerate(sorted(chosen))}

    domains = list(OrderedDict.fromkeys(d for record, _ in chosen.values() for d in record.domains))
    overall = any(not record.domains for record, _ in chosen.values())
    uda = any(train_datasets(run.config)[1] for run in runs)
    headers = list(SEED_COLUMNS)
    if uda:
        headers[3:3] = ['TGT DOMAIN', 'METHOD']
    headers += [f'mIoU (%) {d}' for d in domains] + (['mIoU (%)'] if overall else []) + ['EVALUATION']

    groups: Dict[str, List[int]] = {}
    for index, run in enumerate(runs):
        groups.setdefault(model_name(run.config), []).append(index)

    mode = 'the final evaluation' if best is None else f'the best evaluation by {best or "save_best / mIoU"}'
    out = ['# Results', '',
           f'{len(runs)} run(s); mIoU from {mode} in each run\'s logs (%).', '']
    for group in sorted(groups, key=natural_key):
        indices = sorted(groups[group], key=lambda i: natural_key(runs[i].version))
        rows = [run_row(runs[i], *chosen[i], domains, overall, uda) for i in indices]
        out += [f'## {group}', '', md_table(headers, rows), '']
        model_rows = [r for r in (model_row(runs[i]) for i in indices) if r]
        if model_rows:
            out += [f'### {group}: parameters, FLOPs, latency', '',
                    md_table(['VERSION', 'PARAMS', 'GFLOPs / image', 'FLOPs INPUT', 'LATENCY (ms)', 'FPS',
                              'LATENCY SETTING', 'DEVICE'], model_rows), '',
                    'FLOPs as fvcore counts them (one multiply-add = one FLOP); latency of the deployable '
                    "segmentor's forward (tools/benchmark.py), data loading excluded.", '']

    if per_class:
        out += ['## Per-class IoU (%)', '']
        for group in sorted(groups, key=natural_key):
            for i in sorted(groups[group], key=lambda i: natural_key(runs[i].version)):
                out += per_class_section(runs[i], *chosen[i])
    return '\n'.join(out).rstrip() + '\n'


def per_class_section(run: RunLogs, record: EvalRecord, how: str) -> List[str]:
    columns = list(record.domains) + ([None] if record.class_ious() else [])
    title = f'### {run.version} ({run.work_dir}, {how}, {record.when})'
    if not columns:
        return [title, '', 'No per-class IoU in the logs.', '']
    tables = {c: record.class_ious(c) for c in columns}
    classes = list(OrderedDict.fromkeys(k for table in tables.values() for k in table))
    rows = [[name] + [pct(tables[c].get(name)) for c in columns] for name in classes]
    summary = {'mIoU': 'mIoU', 'mAcc': 'mAcc', 'aAcc': 'aAcc'}
    for label, key in summary.items():
        rows.append([f'**{label}**'] + [pct(record.metrics.get(f'{c}/{key}' if c else key)) for c in columns])
    return [title, '', md_table(['CLASS'] + [c or 'all' for c in columns], rows), '']


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        runs = load_runs(args.work_dirs, require_eval=True)
        report = build_report(runs, best=args.best, per_class=not args.no_per_class)
    except WorkDirError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(report)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(report, encoding='utf-8')
        print(f'wrote {args.out}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
