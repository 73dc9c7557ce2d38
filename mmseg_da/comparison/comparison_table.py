"""The Markdown table of a multi-seed comparison: mean +- std per config and domain, differences to a baseline."""
import math
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

from mmseg_da.reports.tables import markdown_table
from mmseg_da.reports.work_dir_logs import EvalRecord

from .seed_statistics import Difference, SeedSummary, holm_adjusted, welch_difference


@dataclass
class ConfigResults:
    """The final evaluations of one config, one per seed.

    Attributes:
        name: The config's label (its stem; ``'<stem> (warm-up)'`` for a warm-up).
        seeds: The seeds, in the order of ``evals``.
        evals: Each seed's evaluation at the end of training.
        role: ``'baseline'``, ``'warm-up'`` or ``''``.
    """
    name: str
    seeds: List[int] = field(default_factory=list)
    evals: List[EvalRecord] = field(default_factory=list)
    role: str = ''

    def values(self, key: str) -> Optional[List[float]]:
        """The metric ``key`` of every seed; None where a seed lacks it or logged NaN (e.g. an absent class)."""
        values = [record.metrics.get(key) for record in self.evals]
        if all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            return [float(v) for v in values]
        return None

    @property
    def label(self) -> str:
        return f'{self.name} (baseline)' if self.role == 'baseline' else self.name


def _summary_text(values: Optional[List[float]]) -> str:
    if values is None:
        return '-'
    summary = SeedSummary(tuple(values))
    return f'{summary.mean:.2f}' if summary.std is None else f'{summary.mean:.2f} ± {summary.std:.2f}'


def _delta_text(diff: Difference, with_interval: bool = True, beyond_noise: Optional[bool] = None) -> str:
    beyond_noise = diff.beyond_noise if beyond_noise is None else beyond_noise
    delta = f'**{diff.delta:+.2f}**' if beyond_noise else f'{diff.delta:+.2f}'
    if not with_interval:
        return delta
    interval = 'n/a' if diff.low is None else f'{diff.low:+.2f}, {diff.high:+.2f}'
    return f'{delta} [{interval}]'


def _difference(results: ConfigResults, baseline: ConfigResults, key: str, confidence: float,
                with_interval: bool = True) -> str:
    values, base = results.values(key), baseline.values(key)
    if values is None or base is None:
        return '-'
    return _delta_text(welch_difference(values, base, confidence), with_interval)


def per_class_differences(results: ConfigResults, baseline: ConfigResults, keys: Sequence[str],
                          confidence: float) -> List[str]:
    """The cells of one comparison's per-class differences, marked beyond noise after Holm's correction.

    Welch's test of every class with an interval (every seed has an IoU, and there is spread) is one test of
    the family; a class is marked where its Holm-adjusted p-value is below ``1 - confidence``, so the chance
    that any class of the comparison is marked by noise alone is at most ``1 - confidence``.
    """
    diffs: List[Optional[Difference]] = []
    for key in keys:
        values, base = results.values(key), baseline.values(key)
        diffs.append(None if values is None or base is None else welch_difference(values, base, confidence))
    adjusted = holm_adjusted([d.p_value if d is not None else None for d in diffs])
    return ['-' if d is None else _delta_text(d, False, p is not None and p < 1 - confidence)
            for d, p in zip(diffs, adjusted)]


def domains_of(results: ConfigResults) -> List[str]:
    """The evaluated domains (``<domain>/mIoU``); ``['']`` for a plain, single-domain evaluation."""
    return results.evals[0].domains or ['']


def comparison_markdown(results: Sequence[ConfigResults], baseline: str, target_domain: Optional[str] = None,
                        confidence: float = 0.95, caption: str = '') -> str:
    """The comparison as Markdown: a mIoU table per domain, then per-class IoU differences on the target.

    Args:
        results: Every config's results (a warm-up's, with role ``'warm-up'``, is shown but not compared).
        baseline: The name of the baseline's results.
        target_domain: The domain of the per-class table (None: no per-class table).
        confidence: Confidence level of the intervals.
        caption: A line placed under the title (e.g. how the baseline was trained).

    Raises:
        ValueError: If the baseline is not among ``results``.
    """
    by_name = {r.name: r for r in results}
    if baseline not in by_name:
        raise ValueError(f'baseline {baseline!r} is not among the compared configs {list(by_name)}')
    base = by_name[baseline]
    compared = [r for r in results if r.role != 'warm-up' and r is not base]
    domains = domains_of(base)
    metric = {d: f'{d}/mIoU' if d else 'mIoU' for d in domains}
    seeds = ', '.join(str(s) for s in base.seeds)
    level = f'{confidence:.0%}'
    headers = ['config', 'seeds']
    for domain in domains:
        name = f'{domain} ' if domain else ''
        headers += [f'{name}mIoU', f'Δ {name}mIoU [{level} interval]']
    rows = []
    for res in results:
        row = [res.label, str(len(res.seeds))]
        for domain in domains:
            compare = res in compared
            row += [_summary_text(res.values(metric[domain])),
                    _difference(res, base, metric[domain], confidence) if compare else '']
        rows.append(row)
    lines = [f'mIoU (%) at the end of training over seeds {seeds}: mean ± sample std; Δ: difference of the '
             f'means to `{baseline}` with its {level} Welch interval over seeds; **bold**: the interval excludes '
             '0 (beyond seed noise).', '']
    if caption:
        lines[0:0] = [caption, '']
    lines.append(markdown_table(headers, rows))

    if target_domain is not None:
        prefix = f'{target_domain}/IoU.' if target_domain else 'IoU.'
        classes = [k[len(prefix):] for k in base.evals[0].metrics if k.startswith(prefix)]
        columns = [per_class_differences(r, base, [prefix + cls for cls in classes], confidence) for r in compared]
        rows = [[cls, _summary_text(base.values(prefix + cls))] + [column[i] for column in columns]
                for i, cls in enumerate(classes)]
        lines += ['', f'Per-class IoU (%) on {target_domain or "the evaluation set"} (target): the baseline\'s '
                  'mean ± std, and each config\'s difference of the means (**bold**: beyond seed noise after '
                  'Holm\'s correction across the classes of that config: its Welch test\'s Holm-adjusted '
                  f'p-value is below {1 - confidence:.2g}, so all the classes of one config together hold a false '
                  f'mark with probability at most {1 - confidence:.0%}; -: a seed has no IoU for the class).', '',
                  markdown_table(['class', baseline] + [r.name for r in compared], rows)]
    return '\n'.join(lines) + '\n'

