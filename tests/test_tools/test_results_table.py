"""tools/analysis/results_table.py on the work dirs of two real tiny training runs."""
import json
import shutil
from pathlib import Path
from typing import List, Tuple

import pytest
from da_testing import call_tool
from da_testing.runs import tiny_runs, val_lines

TOOL = 'tools/analysis/results_table.py'

SEED_HEADERS = ['VERSION', 'DATA AUG', 'SRC DOMAIN', 'TGT DOMAIN', 'METHOD', 'BATCH SIZE', 'CRITERION',
                'OPTIMIZER', 'SCHEDULER', 'NUM_EPOCHS', 'mIoU (%) Urban', 'mIoU (%) Rural', 'EVALUATION']


@pytest.fixture(scope='module')
def runs(tmp_path_factory, tiny_loveda):
    return tiny_runs(tmp_path_factory, tiny_loveda)


def md_tables(text: str) -> List[Tuple[str, List[str], List[List[str]]]]:
    """(heading above, headers, rows) of every Markdown table in ``text``."""
    tables, heading, lines = [], '', text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith('#'):
            heading = lines[i]
        if lines[i].startswith('|') and i + 1 < len(lines) and lines[i + 1].startswith('|---'):
            cells = lambda line: [c.strip() for c in line.strip().strip('|').split(' | ')]  # noqa: E731
            headers, rows, i = cells(lines[i]), [], i + 2
            while i < len(lines) and lines[i].startswith('|'):
                rows.append(cells(lines[i]))
                i += 1
            tables.append((heading, headers, rows))
            continue
        i += 1
    return tables


def test_one_row_per_run_with_the_seed_columns_and_the_logged_final_miou(runs, tmp_path, capsys):
    out = tmp_path / 'results.md'
    assert call_tool(TOOL, str(runs['runs']['source_only']), str(runs['runs']['adapted']), '--out', str(out)) == 0
    text = out.read_text()
    assert capsys.readouterr().out.strip() == text.strip()
    heading, headers, rows = md_tables(text)[0]
    assert headers == SEED_HEADERS
    assert heading == '## PIDNet (PIDHead)'  # one group: both runs are PIDNet-S
    assert len(rows) == 2
    by_version = {row[0]: dict(zip(headers, row)) for row in rows}
    assert set(by_version) == {Path(c).stem for c in runs['configs'].values()}
    for name, work_dir in runs['runs'].items():
        row = by_version[Path(runs['configs'][name]).stem]
        final = val_lines(work_dir)[-1]
        for domain in ('Urban', 'Rural'):
            assert row[f'mIoU (%) {domain}'] == f"{final[f'{domain}/mIoU']:.2f}"
        assert row['SRC DOMAIN'] == 'Urban'
        assert row['BATCH SIZE'] == '4'
        assert row['NUM_EPOCHS'] == '2'
        assert row['OPTIMIZER'].startswith('SGD(lr=0.01)')
        assert 'PolyLR' in row['SCHEDULER']
        assert 'CrossEntropyLoss' in row['CRITERION']
        assert row['EVALUATION'] == 'final, epoch 2'
    assert by_version['pidnet_s_urban']['TGT DOMAIN'] == '-'
    assert by_version['pidnet_s_urban']['METHOD'] == 'source only'
    assert by_version['pidnet_s_urban2rural_adv_single']['TGT DOMAIN'] == 'Rural'


def test_best_takes_the_highest_logged_value(runs, tmp_path):
    out = tmp_path / 'best.md'
    assert call_tool(TOOL, str(runs['runs']['adapted']), '--best', 'Rural/mIoU', '--out', str(out)) == 0
    _, headers, rows = md_tables(out.read_text())[0]
    row = dict(zip(headers, rows[0]))
    lines = val_lines(runs['runs']['adapted'])
    assert len(lines) == 2  # validation after each of the two epochs
    best = max(reversed(lines), key=lambda line: line['Rural/mIoU'])
    assert row['mIoU (%) Rural'] == f"{best['Rural/mIoU']:.2f}"
    assert row['mIoU (%) Urban'] == f"{best['Urban/mIoU']:.2f}"  # the same evaluation, not each max
    assert row['EVALUATION'] == f"best Rural/mIoU, epoch {best['step']}"


def test_per_class_tables_and_model_section(runs, tmp_path):
    work_dir = tmp_path / 'pidnet_run'
    shutil.copytree(runs['runs']['source_only'], work_dir)
    (work_dir / 'flops.json').write_text(json.dumps(dict(
        params=7717775, flops_per_image=6.317e9, flops_per_batch=37.9e9, shape=[512, 512], batch=6)))
    (work_dir / 'benchmark.json').write_text(json.dumps(dict(
        device='cpu', device_name='test cpu', precision='fp32', threads=2, shape=[512, 512], batch=1,
        mode='eager', mean_ms=123.456, std_ms=1.5, fps=8.1)))
    out = tmp_path / 'results.md'
    assert call_tool(TOOL, str(work_dir), '--out', str(out)) == 0
    tables = md_tables(out.read_text())
    model = [t for t in tables if 'parameters, FLOPs, latency' in t[0]]
    assert len(model) == 1
    _, headers, rows = model[0]
    row = dict(zip(headers, rows[0]))
    assert row['PARAMS'] == '7,717,775' and row['GFLOPs / image'] == '6.317'
    assert row['LATENCY (ms)'] == '123.46 ± 1.50' and row['DEVICE'] == 'cpu (test cpu)'

    per_class = [t for t in tables if t[1][0] == 'CLASS']
    assert len(per_class) == 1
    _, headers, rows = per_class[0]
    assert headers == ['CLASS', 'Urban', 'Rural']
    final = val_lines(work_dir)[-1]
    values = {row[0]: row[1:] for row in rows}
    classes = ['background', 'building', 'road', 'water', 'barren', 'forest', 'agricultural']
    assert list(values)[:7] == classes
    for name in classes:
        assert values[name] == [f"{final[f'{d}/IoU.{name}']:.2f}" for d in ('Urban', 'Rural')]


def test_work_dir_without_a_finished_evaluation_is_named_and_skipped(runs, tmp_path, capsys):
    unfinished = tmp_path / 'unfinished'
    shutil.copytree(runs['runs']['source_only'], unfinished)
    for scalars in unfinished.glob('*/vis_data/scalars.json'):
        kept = [t for t in scalars.read_text().splitlines() if t.strip() and 'mIoU' not in t]
        scalars.write_text('\n'.join(kept) + '\n')

    assert call_tool(TOOL, str(runs['runs']['adapted']), str(unfinished)) == 0
    captured = capsys.readouterr()
    assert f'skipping {unfinished}: no finished evaluation' in captured.err
    assert len(md_tables(captured.out)[0][2]) == 1

    assert call_tool(TOOL, str(unfinished), str(tmp_path / 'missing')) == 1
    err = capsys.readouterr().err
    assert f'{tmp_path / "missing"}: no such work dir' in err

    assert call_tool(TOOL, str(unfinished)) == 1
    err = capsys.readouterr().err
    assert 'no usable work dir' in err and f'{unfinished}: no finished evaluation' in err
