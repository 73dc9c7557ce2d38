"""The AdaBN row of a two-stage comparison: each seed's warm-up weights with target BatchNorm statistics.

AdaBN (Li et al. 2016) re-estimates the BatchNorm statistics of the source model on the unlabelled target
training images, with no gradient step: the free baseline every adaptation method has to beat. For each seed,
``tools/adapt_bn.py`` writes ``DIR/adabn/seed<k>/adabn.pth`` from the warm-up's final checkpoint (with the
baseline config, i.e. the same data), and ``tools/test.py`` evaluates it into the same folder. Both steps are
skipped where their output is already there, so a re-run only reads the results.
"""
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, List, Sequence

from mmengine.config import Config

from mmseg_da.engine.runner import checkpoint_problem
from mmseg_da.reports.work_dir_logs import EvalRecord, WorkDirError, load_run

from .seed_runs import RunFailedError, SeedRun, final_checkpoint

ADABN_DIR = 'adabn'
#: The row's name in the table.
ADABN_NAME = 'adabn'
CHECKPOINT_NAME = 'adabn.pth'


def adabn_runs(runs: Sequence[SeedRun], root: Path) -> List[SeedRun]:
    """One AdaBN entry per warm-up run (its config is the warm-up's; its folder ``root/adabn/seed<k>``)."""
    return [SeedRun(Path(f'{ADABN_NAME}.py'), run.seed, root / ADABN_DIR / f'seed{run.seed}', warmup=run)
            for run in runs if run.is_warmup]


def _run(command: List[str], what: str) -> None:
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = '\n'.join((proc.stdout + proc.stderr).splitlines()[-20:])
        raise RunFailedError(f'{what} failed (exit status {proc.returncode}): {" ".join(command)}\n{tail}')


def _test_record(work_dir: Path):
    try:
        tests = [e for e in load_run(work_dir).evals if e.kind == 'test']
    except WorkDirError:
        return None
    return tests[-1] if tests else None


def adabn_record(run: SeedRun, data_config: str, warmup_cfg: Config, tools_dir: Path,
                 cfg_options: Sequence[str], write: Callable[[str], None]) -> EvalRecord:
    """Write (once) and evaluate (once) the AdaBN checkpoint of one seed; the evaluation's metrics.

    Args:
        run: The AdaBN entry (:func:`adabn_runs`), whose ``warmup`` is the seed's trained warm-up.
        data_config: The config whose target training images give the statistics and whose test set scores
            them (the comparison's baseline: same data as every compared run).
        warmup_cfg: The warm-up's effective config (to find its final checkpoint).
        tools_dir: The repository's ``tools/`` folder.
        cfg_options: The comparison's ``--cfg-options`` (e.g. ``data_root=...``).
        write: Where progress lines go.

    Raises:
        RunFailedError: If writing or evaluating the checkpoint fails.
    """
    record = _test_record(run.work_dir)
    if record is not None:
        return record
    checkpoint = run.work_dir / CHECKPOINT_NAME
    options = ['--cfg-options', *cfg_options] if cfg_options else []
    if checkpoint_problem(str(checkpoint)) is not None:
        source = final_checkpoint(warmup_cfg, run.warmup.work_dir)
        write(f'AdaBN seed {run.seed}: target statistics for {source}')
        run.work_dir.mkdir(parents=True, exist_ok=True)
        _run([sys.executable, str(tools_dir / 'adapt_bn.py'), data_config, str(source), '--out', str(checkpoint),
              *options], f'AdaBN of seed {run.seed}')
    write(f'AdaBN seed {run.seed}: evaluating {checkpoint}')
    _run([sys.executable, str(tools_dir / 'test.py'), data_config, str(checkpoint), '--work-dir', str(run.work_dir),
          *options], f'evaluation of the AdaBN checkpoint of seed {run.seed}')
    record = _test_record(run.work_dir)
    if record is None:
        raise RunFailedError(f'{run.work_dir}: tools/test.py wrote no test metrics for {checkpoint}')
    return record


def adabn_records(runs: Sequence[SeedRun], root: Path, data_config: str, planned: Dict[SeedRun, Config],
                  tools_dir: Path, cfg_options: Sequence[str],
                  write: Callable[[str], None]) -> Dict[SeedRun, EvalRecord]:
    """:func:`adabn_record` of every seed's warm-up."""
    return {run: adabn_record(run, data_config, planned[run.warmup], tools_dir, cfg_options, write)
            for run in adabn_runs(runs, root)}
