"""Console tables of the selection tools: a criterion's ranking, and the validation of the criteria."""
import math
import os.path as osp
from typing import Dict, Optional, Sequence

from mmseg_da.reports.tables import console_table, markdown_table

from .criteria import CRITERIA
from .data import SelectionData
from .select_checkpoint import rank


def common_root(checkpoints: Sequence[str]) -> str:
    """The deepest folder above every checkpoint's own folder (names are shown relative to it)."""
    folders = [osp.dirname(osp.dirname(osp.abspath(c))) for c in checkpoints]
    return osp.commonpath(folders) if folders else ''


def short_name(checkpoint: str, root: Optional[str] = None) -> str:
    """The checkpoint's path relative to ``root`` (default: ``<run folder>/<file>``).

    Runs of a comparison all end in ``seed<k>/``, so a root that keeps the method's folder tells them apart.
    """
    if root:
        return osp.relpath(osp.abspath(checkpoint), root)
    return osp.join(osp.basename(osp.dirname(osp.abspath(checkpoint))), osp.basename(checkpoint))


def describe(count: int, data: SelectionData) -> str:
    """One line: how many checkpoints, and the data they are scored on."""
    line = (f'{count} checkpoint(s); target: {len(data.target)} images of {list(data.target_domains)} '
            '(no masks)')
    if data.source:
        line += f'; source validation: {len(data.source)} samples of {list(data.source_domains)}'
    return line


def fmt(value: Optional[float], digits: int = 4) -> str:
    """A number for a table ('nan' where missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 'nan'
    return f'{value:.{digits}g}' if abs(value) < 1e4 else f'{value:.0f}'


def ranking_table(name: str, scores: Dict[str, float], extra: Optional[Dict[str, float]] = None,
                  extra_name: str = 'source_miou', root: Optional[str] = None) -> str:
    """Checkpoints ranked best first by criterion ``name``, optionally with a second score beside."""
    criterion = CRITERIA[name]
    headers = ['rank', 'checkpoint', f'{name} ({"higher" if criterion.higher_is_better else "lower"} better)']
    if extra is not None and extra_name != name:
        headers.append(extra_name)
    rows = []
    for i, checkpoint in enumerate(rank(scores, criterion.higher_is_better), 1):
        row = [i, short_name(checkpoint, root), fmt(scores[checkpoint])]
        if len(headers) == 4:
            row.append(fmt(extra.get(checkpoint)))
        rows.append(row)
    return console_table(rows, headers)


def validation_table(results: Dict[str, dict], groups: Sequence[str], markdown: bool = False,
                     root: Optional[str] = None) -> str:
    """One row per criterion: rho and regret over all checkpoints, the pick, then rho/regret per run.

    Args:
        results: ``{criterion: {'all': judged, <run>: judged, ...}}`` as :func:`validation.judge` returns.
        groups: The run names, in column order.
        markdown: A Markdown table instead of a console one.
        root: Checkpoint names are shown relative to this folder (see :func:`short_name`).
    """
    headers = ['criterion', 'better', 'rho (all)', 'regret (all)', 'pick (all)', 'pick mIoU']
    for group in groups:
        headers += [f'rho {group}', f'regret {group}']
    rows = []
    for name, judged in results.items():
        every = judged['all']
        row = [name, 'higher' if CRITERIA[name].higher_is_better else 'lower', fmt(every['rho'], 2),
               fmt(every['regret'], 3), short_name(every['pick'], root) if every['pick'] else '-',
               fmt(every['pick_miou'], 4)]
        for group in groups:
            row += [fmt(judged[group]['rho'], 2), fmt(judged[group]['regret'], 3)]
        rows.append(row)
    return markdown_table(headers, rows) if markdown else console_table(rows, headers)
