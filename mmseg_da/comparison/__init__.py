"""Multi-seed method comparisons (``tools/analysis/compare_methods.py``): the runs, from a warm-up where given
(``seed_runs``), their budgets (``run_budget``), seed statistics and the table (``seed_statistics``,
``comparison_table``), the AdaBN and per-domain BatchNorm rows (``adabn_rows``, ``domain_bn_comparison``)."""
from .compare_methods import compare_methods
from .comparison_table import ConfigResults, comparison_markdown
from .run_budget import config_differences, training_budget
from .seed_runs import SeedRun, plan_runs
from .seed_statistics import Difference, SeedSummary, welch_difference

__all__ = [
    'compare_methods', 'ConfigResults', 'comparison_markdown', 'config_differences', 'training_budget', 'SeedRun',
    'plan_runs', 'Difference', 'SeedSummary', 'welch_difference'
]
