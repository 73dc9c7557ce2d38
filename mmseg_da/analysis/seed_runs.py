"""The training runs of a multi-seed comparison: where each lies, whether it finished, how it is trained.

Each run is one ``tools/train.py`` process in ``DIR/<config stem>/seed<k>`` (a warm-up run in
``DIR/warmup/<config stem>/seed<k>``). A run is finished when its logs hold the evaluation at the end of its
training (and, for a warm-up, its final checkpoint is intact); anything else in its work dir is a torn run,
cleared and trained again from scratch.
"""
import argparse
import json
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from mmengine.config import Config, DictAction

from mmseg_da.engine.runner import checkpoint_problem

from .run_budget import config_differences
from .work_dir_logs import EvalRecord, WorkDirError, load_run

#: Written into a run's work dir before it is trained: how it was launched (the dumped config says the rest).
RECORD_FILE = 'compare_run.json'
#: The training process's console output, beside mmengine's own logs.
OUTPUT_FILE = 'train_output.log'
WARMUP_DIR = 'warmup'


class RunFailedError(ValueError):
    """A training run exited with an error; the message names its work dir and console output."""


@dataclass(frozen=True)
class SeedRun:
    """One training run of a comparison: a config trained with one seed.

    Attributes:
        config: The config file.
        seed: Its ``randomness.seed``.
        work_dir: Where it is trained.
        warmup: The warm-up run of the same seed whose final checkpoint it starts from (``load_from``).
        is_warmup: Whether it is itself a warm-up run.
    """
    config: Path
    seed: int
    work_dir: Path
    warmup: Optional['SeedRun'] = None
    is_warmup: bool = False

    @property
    def name(self) -> str:
        """The config's stem: the run's label in the table."""
        return self.config.stem

    def __str__(self) -> str:
        return f"{'warm-up ' if self.is_warmup else ''}{self.name} seed {self.seed}"


def plan_runs(configs: Sequence[str], seeds: Sequence[int], work_dir: str,
              warmup: Optional[str] = None) -> List[SeedRun]:
    """Every run of the comparison, seed by seed (a seed's warm-up before the runs that start from it).

    Raises:
        ValueError: If two configs share a stem (their work dirs would collide), a seed repeats, or a
            config is named ``warmup``.
    """
    stems = [Path(c).stem for c in configs]
    repeated = sorted({s for s in stems if stems.count(s) > 1})
    if repeated or WARMUP_DIR in stems:
        raise ValueError(f'configs {list(configs)}: every config needs its own stem (work dirs are '
                         f'DIR/<config stem>/seed<k>; repeated: {repeated}) and none may be named '
                         f'{WARMUP_DIR!r} (the warm-up runs lie in DIR/{WARMUP_DIR}/)')
    if len(set(seeds)) != len(seeds) or not seeds:
        raise ValueError(f'--seeds {list(seeds)}: give one or more distinct seeds')
    root = Path(work_dir).resolve()
    runs = []
    for seed in seeds:
        first = None
        if warmup is not None:
            first = SeedRun(Path(warmup), seed, root / WARMUP_DIR / Path(warmup).stem / f'seed{seed}',
                            is_warmup=True)
            runs.append(first)
        runs += [SeedRun(Path(c), seed, root / Path(c).stem / f'seed{seed}', warmup=first) for c in configs]
    return runs


def parse_cfg_options(options: Sequence[str]) -> dict:
    """``key=value`` strings -> the dict ``tools/train.py --cfg-options`` makes of them (mmengine's DictAction)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    return parser.parse_args(['--cfg-options', *options] if options else []).cfg_options


def final_checkpoint(cfg: Config, work_dir: Path) -> Path:
    """The checkpoint mmengine's CheckpointHook saves at the end of training (``save_last``)."""
    loop = cfg.get('train_cfg') or {}
    if 'max_epochs' in loop:
        return work_dir / f"epoch_{loop['max_epochs']}.pth"
    return work_dir / f"iter_{loop['max_iters']}.pth"


def run_cfg_options(run: SeedRun, options: Sequence[str], warmup_cfg: Optional[Config] = None) -> List[str]:
    """The ``--cfg-options`` of a run: the user's, its seed and, after a warm-up, ``load_from``."""
    own = [f'randomness.seed={run.seed}']
    if run.warmup is not None:
        own.append(f'load_from={final_checkpoint(warmup_cfg, run.warmup.work_dir)}')
    return [*options, *own]


def final_eval(run: SeedRun) -> Optional[EvalRecord]:
    """The run's evaluation at the end of its training, by the run's own (dumped) config; None if it has none.

    A warm-up run also needs its final checkpoint intact.
    """
    if not run.work_dir.is_dir():
        return None
    try:
        logs = load_run(run.work_dir)
        record = logs.final_eval()
    except WorkDirError:
        return None
    loop = logs.config.get('train_cfg') or {}
    if 'max_epochs' in loop:
        epochs = [int(line['epoch']) for line in logs.train_lines if 'epoch' in line]
        last = record.step if record.by_epoch else max(epochs, default=None)
        done = last == loop['max_epochs']
    else:
        done = record.iteration == loop.get('max_iters')
    if run.is_warmup and checkpoint_problem(str(final_checkpoint(logs.config, run.work_dir))) is not None:
        return None
    return record if done else None


def recorded_problems(run: SeedRun, planned: Config, world_size: int) -> List[str]:
    """Why a finished run cannot stand for the planned one: a different config or number of processes."""
    try:
        recorded = json.loads((run.work_dir / RECORD_FILE).read_text())
    except (OSError, ValueError):
        return [f'no readable {RECORD_FILE} (not trained by this tool): its number of processes is unknown']
    problems = []
    if recorded.get('world_size') != world_size:
        problems.append(f"processes: {recorded.get('world_size')!r} vs {world_size!r}")
    return problems + config_differences(load_run(run.work_dir).config, planned)


def train_command(run: SeedRun, train_script: Path, cfg_options: Sequence[str], launcher: str,
                  nproc: int) -> List[str]:
    """The command line that trains ``run``."""
    args = [str(train_script), str(run.config), '--work-dir', str(run.work_dir), '--launcher', launcher,
            '--cfg-options', *cfg_options]
    if launcher == 'pytorch':
        return [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', str(nproc),
                *args]
    return [sys.executable, *args]


def _terminate(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def train_run(run: SeedRun, command: List[str], world_size: int) -> None:
    """Clear the run's work dir, record how it is launched and train it; stop it if this process is stopped.

    Raises:
        RunFailedError: If the training process exits with an error.
    """
    if run.work_dir.exists():
        shutil.rmtree(run.work_dir)
    run.work_dir.mkdir(parents=True)
    (run.work_dir / RECORD_FILE).write_text(json.dumps(
        dict(config=str(run.config), seed=run.seed, world_size=world_size, command=command), indent=1))
    output = run.work_dir / OUTPUT_FILE
    with open(output, 'w') as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            code = proc.wait()
        finally:  # an interrupted comparison leaves a torn run, never an orphaned training
            _terminate(proc)
    if code != 0:
        tail = output.read_text(errors='replace').splitlines()[-25:]
        raise RunFailedError(f'training {run} failed (exit status {code}) in {run.work_dir}; the last lines '
                             f'of {output}:\n' + '\n'.join(tail))


class Progress:
    """Prints which run is trained, the time elapsed and an estimate of the time left."""

    def __init__(self, total: int, to_train: int, write: Callable[[str], None]) -> None:
        self.total, self.to_train, self.write = total, to_train, write
        self.start = time.monotonic()
        self.durations: List[float] = []

    def _eta(self) -> str:
        if not self.durations:
            return 'ETA unknown until the first run ends'
        left = self.to_train - len(self.durations)
        return f'ETA {timedelta(seconds=round(left * sum(self.durations) / len(self.durations)))}'

    def report(self, index: int, run: SeedRun, action: str) -> None:
        elapsed = timedelta(seconds=round(time.monotonic() - self.start))
        self.write(f'[{index + 1}/{self.total}] {run}: {action} (elapsed {elapsed}, {self._eta()})')

    def ran(self, seconds: float) -> None:
        self.durations.append(seconds)


def _stop_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


def train_runs(runs: Sequence[SeedRun], commands: Dict[SeedRun, List[str]], done: Dict[SeedRun, bool],
               world_size: int, write: Callable[[str], None]) -> None:
    """Train every run not ``done``, in order, printing progress; SIGTERM stops the running training too."""
    progress = Progress(len(runs), sum(not done[r] for r in runs), write)
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        for index, run in enumerate(runs):
            if done[run]:
                progress.report(index, run, f'finished earlier, skipped ({run.work_dir})')
                continue
            torn = run.work_dir.exists() and any(run.work_dir.iterdir())
            progress.report(index, run, ('torn run cleared, ' if torn else '') + f'training in {run.work_dir}')
            start = time.monotonic()
            train_run(run, commands[run], world_size)
            progress.ran(time.monotonic() - start)
    finally:
        signal.signal(signal.SIGTERM, previous)
