"""Seed statistics and the table's marks on synthetic numbers: Welch's interval, beyond-noise marks."""
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from mmseg_da.comparison import ConfigResults, SeedSummary, comparison_markdown, welch_difference
from mmseg_da.comparison.seed_statistics import holm_adjusted
from mmseg_da.reports.work_dir_logs import EvalRecord

BASE = [30.0, 30.6, 29.5]
FAR = [38.1, 38.5, 37.6]  # +8 points, spread ~0.5: far beyond noise
NEAR = [30.9, 29.2, 31.0]  # +0.3 points, spread ~1: within noise


def welch_by_hand(a, b, confidence=0.95):
    """Welch's interval written out: Welch-Satterthwaite degrees of freedom and Student's t quantile."""
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    dof = (va + vb)**2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.5 + confidence / 2, dof) * math.sqrt(va + vb)
    delta = np.mean(a) - np.mean(b)
    return delta - half, delta + half, dof


@pytest.mark.parametrize('a, b', [(FAR, BASE), (NEAR, BASE), ([1.0, 2.0], [0.0, 5.0, 1.0, 2.5])])
def test_welch_interval_matches_the_formula(a, b):
    diff = welch_difference(a, b)
    low, high, dof = welch_by_hand(a, b)
    assert diff.delta == pytest.approx(np.mean(a) - np.mean(b))
    assert (diff.low, diff.high, diff.dof) == pytest.approx((low, high, dof))


def test_gap_beyond_noise_is_marked_and_one_within_noise_is_not():
    far, near = welch_difference(FAR, BASE), welch_difference(NEAR, BASE)
    assert far.beyond_noise and far.low > 0
    assert not near.beyond_noise and near.low < 0 < near.high
    worse = welch_difference(BASE, FAR)
    assert worse.beyond_noise and worse.high < 0  # a loss beyond noise is marked too


def test_no_interval_without_a_noise_estimate():
    assert welch_difference([40.0], BASE).low is None  # one seed: no spread
    same = welch_difference([31.0, 31.0], [30.0, 30.0])  # no spread at all: no interval, no claim
    assert same.low is None and not same.beyond_noise
    assert SeedSummary((3.0,)).std is None
    assert SeedSummary((1.0, 2.0, 6.0)).std == pytest.approx(np.std([1, 2, 6], ddof=1))
    with pytest.raises(ValueError, match='finite'):
        SeedSummary((1.0, float('nan')))


def results(name, dusk, role=''):
    evals = [EvalRecord({'day/mIoU': 50.0 + i, 'dusk/mIoU': value, 'dusk/IoU.road': value + 10,
                         'dusk/IoU.car': float('nan') if i == 0 else 5.0}, 2, 2, 'val', False, Path('x'))
             for i, value in enumerate(dusk)]
    return ConfigResults(name, list(range(len(dusk))), evals, role)


def table_rows(markdown: str) -> dict:
    """First cell -> the row's cells, for every row of every Markdown table."""
    rows = {}
    for line in markdown.splitlines():
        if line.startswith('| ') and not line.startswith('| :'):
            cells = [c.strip() for c in line.strip('|').split('|')]
            rows.setdefault(cells[0], cells)
    return rows


def test_table_marks_the_gap_beyond_noise_only():
    markdown = comparison_markdown([results('base', BASE, 'baseline'), results('far', FAR), results('near', NEAR)],
                                   'base', target_domain='dusk')
    rows = table_rows(markdown)
    header = rows['config']
    dusk, delta = header.index('dusk mIoU'), header.index('Δ dusk mIoU [95% interval]')
    low, high, _ = welch_by_hand(FAR, BASE)
    assert rows['far'][delta] == f'**{np.mean(FAR) - np.mean(BASE):+.2f}** [{low:+.2f}, {high:+.2f}]'
    assert rows['near'][delta].startswith(f'{np.mean(NEAR) - np.mean(BASE):+.2f} [')  # not bold
    assert rows['base (baseline)'][dusk] == f'{np.mean(BASE):.2f} ± {np.std(BASE, ddof=1):.2f}'
    assert rows['base (baseline)'][delta] == ''
    # per class on the target: road differs like dusk mIoU; car has a NaN seed, so no number is claimed
    assert rows['road'][1:] == [f'{np.mean(BASE) + 10:.2f} ± {np.std(BASE, ddof=1):.2f}',
                                f'**{np.mean(FAR) - np.mean(BASE):+.2f}**', f'{np.mean(NEAR) - np.mean(BASE):+.2f}']
    assert rows['car'][1:] == ['-', '-', '-']


def test_holm_adjusted_p_values_match_a_hand_computation():
    # sorted 0.01, 0.02, 0.03, 0.04 of m = 4: 0.04, 0.06, 0.06 (monotone), 0.06; None is no test
    assert holm_adjusted([0.03, None, 0.01, 0.04, 0.02]) == pytest.approx([0.06, None, 0.04, 0.06, 0.06])
    assert holm_adjusted([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm_adjusted([]) == [] and holm_adjusted([0.03]) == [0.03]
    diff = welch_difference(FAR, BASE)
    assert diff.p_value == pytest.approx(stats.ttest_ind(FAR, BASE, equal_var=False).pvalue)
    assert welch_difference([40.0], BASE).p_value is None


def test_per_class_marks_are_holm_corrected_across_the_classes_of_one_comparison():
    moderate = {f'c{k}': 1.4 + 0.2 * k for k in range(4)}  # each alone beyond noise, p 0.013 .. 0.03

    def results_with_classes(name, shift, role=''):
        evals = []
        for i, (value, base) in enumerate(zip([30.3, 30.2, 29.9], BASE)):
            metrics = {'dusk/mIoU': 40.0 + i, 'dusk/IoU.far': (FAR[i] if shift else base)}
            metrics.update({f'dusk/IoU.{c}': value + d if shift else base for c, d in moderate.items()})
            evals.append(EvalRecord(metrics, 2, 2, 'val', False, Path('x')))
        return ConfigResults(name, [0, 1, 2], evals, role)

    base, method = results_with_classes('base', False, 'baseline'), results_with_classes('method', True)
    for c in moderate:  # uncorrected, every moderate class would be marked
        assert welch_difference(method.values(f'dusk/IoU.{c}'), base.values(f'dusk/IoU.{c}')).beyond_noise
    rows = table_rows(comparison_markdown([base, method], 'base', target_domain='dusk'))
    assert rows['far'][2].startswith('**')  # p 5e-5, far below 0.05 / 5
    assert [rows[c][2].startswith('**') for c in moderate] == [False] * 4  # 5 x 0.013 > 0.05: noise possible
    assert 'Holm' in comparison_markdown([base, method], 'base', target_domain='dusk')
