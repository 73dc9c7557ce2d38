"""Tables for reports and consoles, on ``prettytable`` (as mmseg's metrics print theirs).

Used by the reports, the comparisons, the deployment figures and the tools: one formatter for every table.
"""
from typing import Any, Optional, Sequence

from prettytable import HRuleStyle, PrettyTable


def _aligned(table: PrettyTable, align: str) -> PrettyTable:
    """Set one alignment (``'l'``, ``'c'``, ``'r'``) for every column, or one character per column."""
    if len(align) == 1:
        table.align = align
    else:
        if len(align) != len(table.field_names):
            raise ValueError(f'align {align!r}: one character, or one per column ({len(table.field_names)})')
        for name, side in zip(table.field_names, align):
            table.align[name] = side
    return table


def _markdown_cell(value: Any) -> str:
    return str(value).replace('|', '\\|').replace('\n', ' ')


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str = 'l') -> str:
    """A Markdown (GitHub) table, columns padded to their width.

    Args:
        headers: The column names (unique, as prettytable requires).
        rows: The rows, one value per column (written with ``str``; ``|`` escaped, new lines as spaces).
        align: ``'l'``, ``'c'`` or ``'r'`` for every column, or one of them per column (e.g. ``'lrr'``).

    Returns:
        The table's lines (header, ``|---|`` rule, rows), without a final new line.
    """
    # TableStyle.MARKDOWN without its alignment colons (`| :---|`): a plain `|---|` rule, as readers expect.
    table = PrettyTable([_markdown_cell(h) for h in headers], hrules=HRuleStyle.HEADER, junction_char='|')
    for row in rows:
        table.add_row([_markdown_cell(c) for c in row])
    return _aligned(table, align).get_string()


def console_table(rows: Sequence[Sequence[Any]], headers: Optional[Sequence[str]] = None,
                  align: str = 'l') -> str:
    """A framed text table (prettytable's default style) for a console.

    Args:
        rows: The rows, one value per column.
        headers: The column names; None for a table without a header line (e.g. name/value pairs).
        align: ``'l'``, ``'c'`` or ``'r'`` for every column, or one of them per column.
    """
    width = len(headers) if headers is not None else max((len(r) for r in rows), default=0)
    table = PrettyTable(list(headers) if headers is not None else [f'column {i}' for i in range(width)],
                        header=headers is not None)
    for row in rows:
        table.add_row(list(row))
    return _aligned(table, align).get_string()
