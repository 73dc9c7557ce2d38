"""The comparison's second reading: every run per domain with BatchNorm statistics re-estimated on that domain.

``tools/analysis/domain_bn.py`` evaluates a run's final checkpoint on each test domain after re-estimating
its BatchNorm statistics on that domain's own test images (labels unused). With the statistics equalised,
the differences between methods are what their weights learnt; the plain table mixes that with what each
method's training did to the running statistics (e.g. target batches moving them towards the target).
Each run's report is cached as ``domain_bn.json`` in its work dir (the tool writes it atomically), so a second call only
reads it.
"""
import json
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, Sequence

from mmengine.config import Config

from mmseg_da.reports.work_dir_logs import EvalRecord

from .seed_runs import SeedRun, final_checkpoint

REPORT_FILE = 'domain_bn.json'


class DomainBNError(ValueError):
    """The per-domain statistics evaluation of a run failed."""


def _report_metrics(path: Path) -> Dict[str, float]:
    """The own-statistics metrics of every domain of a ``tools/analysis/domain_bn.py --out`` report.

    Raises:
        ValueError: If the report holds no domain, or no metric of its domains (e.g. one entry for several
            pooled domains, whose metrics are keyed by each domain's own name).
    """
    report = json.loads(path.read_text(encoding='utf-8'))
    metrics: Dict[str, float] = {}
    for entry in report['domains']:
        prefix = f"{entry['domain']}/" if entry['domain'] else ''
        own = entry['own_statistics']['metrics']
        found = {k: v for k, v in own.items() if (not prefix or k.startswith(prefix)) and v is not None}
        if not found:
            raise ValueError(f'{path}: domain {entry["domain"]!r} has no own-statistics metric named '
                             f'{prefix}<metric> (keys: {sorted(own)[:6]})')
        metrics.update(found)
    if not metrics:
        raise ValueError(f'{path}: the report holds no domain')
    return metrics


def domain_bn_record(run: SeedRun, planned: Config, script: Path, cfg_options: Sequence[str],
                     write: Callable[[str], None]) -> EvalRecord:
    """The run's per-domain evaluation with re-estimated statistics, computed once and cached in its work dir.

    Raises:
        DomainBNError: If the evaluation tool fails (its last output lines are in the message).
    """
    report = run.work_dir / REPORT_FILE
    try:
        metrics = _report_metrics(report) if report.is_file() else None
    except (ValueError, KeyError, TypeError) as err:
        write(f'{report}: unusable ({err}), evaluated again')
        metrics = None
    if metrics is None:
        checkpoint = final_checkpoint(planned, run.work_dir)
        command = [sys.executable, str(script), str(run.config), str(checkpoint), '--out', str(report),
                   '--work-dir', str(run.work_dir / 'domain_bn')]
        if cfg_options:
            command += ['--cfg-options', *cfg_options]
        write(f'{run}: evaluating each domain with its own BatchNorm statistics')
        proc = subprocess.run(command, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = '\n'.join((proc.stdout + proc.stderr).splitlines()[-15:])
            raise DomainBNError(f'per-domain BatchNorm evaluation of {run} failed (exit status {proc.returncode}):'
                                f'\n{tail}')
        try:
            metrics = _report_metrics(report)
        except (ValueError, KeyError, TypeError) as err:
            raise DomainBNError(f'per-domain BatchNorm evaluation of {run}: {err}') from err
    return EvalRecord(metrics=metrics, step=None, iteration=None, kind='test', by_epoch=False, source=report)


def domain_bn_records(runs: Sequence[SeedRun], planned: Dict[SeedRun, Config], script: Path,
                      cfg_options: Sequence[str], write: Callable[[str], None]) -> Dict[SeedRun, EvalRecord]:
    """:func:`domain_bn_record` of every run except warm-ups.

    Raises:
        DomainBNError: If there is no run to evaluate (an empty table is not a result).
    """
    records = {run: domain_bn_record(run, planned[run], script, cfg_options, write)
               for run in runs if not run.is_warmup}
    if not records:
        raise DomainBNError('--domain-bn: no run to evaluate with its own BatchNorm statistics (only warm-ups or '
                            'no runs); the table would be empty')
    return records


CAPTION = ('The same runs, each domain evaluated with BatchNorm statistics re-estimated on its own test images '
           '(`tools/analysis/domain_bn.py`: shuffled batches of 4, labels unused): what the weights learnt, '
           'with the statistics equalised between methods.')
