"""A multi-seed comparison of training configs in one call: plan the runs, check their budgets, train what is
missing (resumably), and tabulate mean +- std and the differences to a baseline.

The two-stage protocol (``warmup``): the warm-up config is trained once per seed; every compared config of
that seed then starts from the warm-up's final checkpoint (``load_from``) and trains its own iterations, and
the baseline is the warm-up config itself, continued the same way.
"""
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from mmengine.config import Config

from mmseg_da.config.loading import load_config
from mmseg_da.config.walk import find_target_dataset

from .adabn_rows import adabn_records
from .comparison_table import ConfigResults, comparison_markdown, domains_of
from .domain_bn_comparison import CAPTION, domain_bn_records
from .run_budget import differences, training_budget
from .seed_runs import (
    SeedRun,
    final_eval,
    parse_cfg_options,
    plan_runs,
    recorded_problems,
    run_cfg_options,
    train_command,
    train_runs,
)

#: ``--cfg-options`` keys the comparison sets itself, per run.
OWN_KEYS = ('randomness.seed', 'load_from', 'work_dir')


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def check_budgets(planned: Dict[SeedRun, Config], baseline: str, world_size: int) -> None:
    """Refuse runs whose budget differs from the baseline's (warm-up runs are not compared).

    Raises:
        ValueError: Naming the config, the differing keys and both values.
    """
    compared = [run for run in planned if not run.is_warmup]
    base_run = next(run for run in compared if run.name == baseline)
    reference = training_budget(planned[base_run], world_size)
    for run in compared:
        diffs = differences(training_budget(planned[run], world_size), reference)
        if diffs:
            raise ValueError(f'{run.config} (seed {run.seed}) and the baseline {base_run.config} have different '
                             f'budgets, and runs of different budgets are never compared; {run.name} vs '
                             f'{baseline}: ' + '; '.join(diffs))


def _check_options(cfg_options: Sequence[str], warmup: Optional[str]) -> None:
    keys = parse_cfg_options(cfg_options)
    own = [k for k in keys if k in OWN_KEYS and not (k == 'load_from' and warmup is None)]
    if own:
        raise ValueError(f'--cfg-options {", ".join(own)}: set by the comparison for each run (--seeds, '
                         '--warmup, --work-dir); leave them out')


def _check_recorded(run: SeedRun, planned: Config, world_size: int) -> None:
    problems = recorded_problems(run, planned, world_size)
    if problems:
        raise ValueError(f'{run.work_dir} holds a finished run of {run}, trained differently from the run planned '
                         'now (recorded vs planned): ' + '; '.join(problems) + '. Delete that folder to train it '
                         'again, or give another --work-dir.')


def target_domain(cfg: Config, domains: List[str]) -> Optional[str]:
    """The evaluated domain that is the config's training target (else the last evaluated domain)."""
    target = find_target_dataset((cfg.get('train_dataloader') or {}).get('dataset')) or {}
    return target['domain'] if target.get('domain') in domains else domains[-1]


def compare_methods(configs: Sequence[str], seeds: Sequence[int], work_dir: str, train_script: str,
                    baseline: Optional[str] = None, warmup: Optional[str] = None, cfg_options: Sequence[str] = (),
                    launcher: str = 'none', nproc: int = 1, confidence: float = 0.95,
                    write: Callable[[str], None] = _stderr, domain_bn_script: Optional[str] = None,
                    jobs: int = 1, adabn: bool = False) -> str:
    """Train every config with every seed (skipping finished runs) and return the Markdown comparison.

    Args:
        configs: The compared config files.
        seeds: The seeds (``randomness.seed``) of every config.
        work_dir: The comparison's folder: runs lie in ``work_dir/<config stem>/seed<k>``.
        train_script: ``tools/train.py``.
        baseline: The baseline config (default: ``warmup``); added to ``configs`` where missing.
        warmup: A warm-up config, trained first for each seed; every other run starts from its checkpoint.
        cfg_options: ``key=value`` overrides for every run (as ``tools/train.py --cfg-options``).
        launcher: ``'none'`` (one process per run) or ``'pytorch'`` (``nproc`` processes, torchrun).
        nproc: Processes per run with the ``pytorch`` launcher.
        confidence: Confidence level of the intervals.
        write: Where progress lines go.
        domain_bn_script: ``tools/analysis/domain_bn.py`` to add a second table: every run evaluated per
            domain with BatchNorm statistics re-estimated on that domain (see :mod:`.domain_bn_comparison`).
        jobs: Runs trained side by side (each with one thread when more than one).
        adabn: Add the AdaBN row (needs ``warmup``): each seed's warm-up weights with BatchNorm statistics
            re-estimated on the target training images, no training (see :mod:`.adabn_rows`).

    Raises:
        FileNotFoundError: If a config does not exist.
        ValueError: If budgets differ, a finished run was trained differently from its plan, or a run fails.
    """
    baseline = baseline or warmup
    if baseline is None:
        raise ValueError('no baseline: give --baseline CONFIG (or --warmup CONFIG, whose continuation is then '
                         'the baseline)')
    for path in [*configs, baseline] + ([warmup] if warmup else []):
        if not Path(path).is_file():
            raise FileNotFoundError(f'config file not found: {path!r}')
    _check_options(cfg_options, warmup)
    if adabn and warmup is None:
        raise ValueError('--adabn needs --warmup: the AdaBN row re-estimates the statistics of each seed\'s '
                         'warm-up weights')
    configs = list(configs)
    if Path(baseline).resolve() not in [Path(c).resolve() for c in configs]:
        configs.insert(0, baseline)
    world_size = nproc if launcher == 'pytorch' else 1

    runs = plan_runs(configs, seeds, work_dir, warmup)
    planned: Dict[SeedRun, Config] = {}
    commands: Dict[SeedRun, List[str]] = {}
    for run in runs:
        options = run_cfg_options(run, cfg_options, planned.get(run.warmup))
        planned[run] = load_config(str(run.config), parse_cfg_options(options), str(run.work_dir))
        commands[run] = train_command(run, Path(train_script), options, launcher, nproc)
    baseline_name = Path(baseline).stem
    check_budgets(planned, baseline_name, world_size)

    done: Dict[SeedRun, bool] = {}
    for run in runs:  # a run whose warm-up is trained again is trained again too
        done[run] = final_eval(run) is not None and (run.warmup is None or done[run.warmup])
        if done[run]:
            _check_recorded(run, planned[run], world_size)
    train_runs(runs, commands, done, world_size, write, jobs)

    results: Dict[str, ConfigResults] = {}
    for run in runs:
        record = final_eval(run)
        if record is None:
            raise ValueError(f'{run.work_dir}: {run} ended without its final evaluation; see its logs')
        _check_recorded(run, planned[run], world_size)  # what each run really was, as its work dir records it
        _add(results, run, record, baseline_name)
    if adabn:
        tools_dir = Path(train_script).resolve().parent
        for run, record in adabn_records(runs, Path(work_dir).resolve(), baseline, planned, tools_dir, cfg_options,
                                         write).items():
            _add(results, run, record, baseline_name)
    order = _ordered(results)
    base = results[baseline_name]
    caption = ''
    if warmup:
        continued = ('the warm-up config continued for the same iterations' if baseline_name == Path(warmup).stem
                     else f'`{baseline_name}`, also from the warm-up')
        caption = (f'Two-stage protocol: `{Path(warmup).stem}` trained first for each seed (warm-up row, not '
                   f'compared), then every config from its final checkpoint; the baseline is {continued}.')
    base_cfg = planned[next(r for r in runs if r.name == baseline_name and not r.is_warmup)]
    target = target_domain(base_cfg, domains_of(base))
    table = comparison_markdown(order, baseline_name, target, confidence, caption)
    if domain_bn_script is not None:
        own: Dict[str, ConfigResults] = {}
        for run, record in domain_bn_records(runs, planned, Path(domain_bn_script), cfg_options, write).items():
            _add(own, run, record, baseline_name)
        table += '\n' + comparison_markdown(_ordered(own), baseline_name, target, confidence, CAPTION)
    return table


def _add(results: Dict[str, ConfigResults], run: SeedRun, record, baseline_name: str) -> None:
    role = 'warm-up' if run.is_warmup else 'baseline' if run.name == baseline_name else ''
    name = f'{run.name} (warm-up)' if run.is_warmup else run.name
    res = results.setdefault(name, ConfigResults(name, role=role))
    res.seeds.append(run.seed)
    res.evals.append(record)


def _ordered(results: Dict[str, ConfigResults]) -> List[ConfigResults]:
    return sorted(results.values(), key=lambda r: ('warm-up', 'baseline', '').index(r.role))
