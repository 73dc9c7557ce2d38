"""The training runs of a multi-seed comparison: where each lies, whether it finished, how it is trained.

Each run is one ``tools/train.py`` process in ``DIR/<config stem>/seed<k>`` (a warm-up run in
``DIR/warmup/<config stem>/seed<k>``). A run is finished when its logs hold the evaluation at the end of its
training (and, for a warm-up, its final checkpoint is intact). A torn run (stopped by a kill or a session's end)
whose recorded command is the planned one and whose last checkpoint is intact resumes from that checkpoint
(``tools/train.py --resume``: the exact resume of :mod:`mmseg_da.engine.runner`); anything else in its work
dir is cleared and trained again from scratch. Up to ``jobs`` runs train side by side, one thread each.
"""
import argparse
import json
import os
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
from mmseg_da.reports.work_dir_logs import EvalRecord, WorkDirError, load_run

from .run_budget import config_differences

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


def resume_checkpoint(run: SeedRun, command: List[str]) -> Optional[Path]:
    """The intact last checkpoint of a torn run launched with ``command``, or None (start it afresh)."""
    try:
        recorded = json.loads((run.work_dir / RECORD_FILE).read_text())
        pointer = (run.work_dir / 'last_checkpoint').read_text().strip()
    except (OSError, ValueError):
        return None
    checkpoint = Path(pointer)
    if not checkpoint.is_absolute():
        checkpoint = run.work_dir / checkpoint
    if recorded.get('command') != command or checkpoint_problem(str(checkpoint)) is not None:
        return None
    return checkpoint


def _terminate(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class _Training:
    """One training process of a run, started fresh or resumed from the run's last intact checkpoint."""

    def __init__(self, run: SeedRun, command: List[str], world_size: int, threads: Optional[int],
                 may_resume: bool = True) -> None:
        self.run = run
        self.start = time.monotonic()
        self.resumed_from = resume_checkpoint(run, command) if may_resume else None
        self.cleared = self.resumed_from is None and run.work_dir.exists() and any(run.work_dir.iterdir())
        if self.resumed_from is None:
            if run.work_dir.exists():
                shutil.rmtree(run.work_dir)
            run.work_dir.mkdir(parents=True)
            (run.work_dir / RECORD_FILE).write_text(json.dumps(
                dict(config=str(run.config), seed=run.seed, world_size=world_size, command=command), indent=1))
            argv = command
        else:
            argv = [*command, '--resume', str(self.resumed_from)]
        env = dict(os.environ)
        if threads is not None:
            env['OMP_NUM_THREADS'] = str(threads)
        self.output = run.work_dir / OUTPUT_FILE
        with open(self.output, 'a' if self.resumed_from else 'w') as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)

    def check(self) -> None:
        """Raise if the process exited with an error.

        Raises:
            RunFailedError: Naming the run, its work dir and the last lines of its console output.
        """
        code = self.proc.returncode
        if code != 0:
            tail = self.output.read_text(errors='replace').splitlines()[-25:]
            raise RunFailedError(f'training {self.run} failed (exit status {code}) in {self.run.work_dir}; the '
                                 f'last lines of {self.output}:\n' + '\n'.join(tail))


class Progress:
    """Prints which run is trained, the time elapsed and an estimate of the time left."""

    def __init__(self, total: int, to_train: int, write: Callable[[str], None], jobs: int = 1) -> None:
        self.total, self.to_train, self.write, self.jobs = total, to_train, write, jobs
        self.start = time.monotonic()
        self.durations: List[float] = []

    def _eta(self) -> str:
        if not self.durations:
            return 'ETA unknown until the first run ends'
        left = self.to_train - len(self.durations)
        mean = sum(self.durations) / len(self.durations)
        return f'ETA {timedelta(seconds=round(left * mean / self.jobs))}'

    def report(self, index: int, run: SeedRun, action: str) -> None:
        elapsed = timedelta(seconds=round(time.monotonic() - self.start))
        self.write(f'[{index + 1}/{self.total}] {run}: {action} (elapsed {elapsed}, {self._eta()})')

    def ran(self, seconds: float) -> None:
        self.durations.append(seconds)


def _stop_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


def train_runs(runs: Sequence[SeedRun], commands: Dict[SeedRun, List[str]], done: Dict[SeedRun, bool],
               world_size: int, write: Callable[[str], None], jobs: int = 1) -> None:
    """Train every run not ``done``, up to ``jobs`` at once, printing progress; SIGTERM stops them too.

    A run starts once its warm-up is trained; a run whose warm-up is trained (again) in this call starts
    afresh, never from a checkpoint of an older warm-up. With ``jobs`` > 1 every process gets
    ``OMP_NUM_THREADS=1``; the first failure stops the others (torn, they resume at the next call) and is raised.
    """
    if jobs < 1:
        raise ValueError(f'--jobs {jobs}: give 1 or more parallel runs')
    progress = Progress(len(runs), sum(not done[r] for r in runs), write, jobs)
    index = {run: i for i, run in enumerate(runs)}
    for run in runs:
        if done[run]:
            progress.report(index[run], run, f'finished earlier, skipped ({run.work_dir})')
    waiting = [run for run in runs if not done[run]]
    active: List[_Training] = []
    finished = {run for run in runs if done[run]}
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        while waiting or active:
            ready = [r for r in waiting if r.warmup is None or r.warmup in finished]
            while ready and len(active) < jobs:
                run = ready.pop(0)
                waiting.remove(run)
                training = _Training(run, commands[run], world_size, threads=1 if jobs > 1 else None,
                                     may_resume=run.warmup is None or done[run.warmup])
                how = (f'torn run resumed from {training.resumed_from.name}' if training.resumed_from else
                       'torn run cleared, training' if training.cleared else 'training') + f' in {run.work_dir}'
                progress.report(index[run], run, how)
                active.append(training)
            if not active:
                raise RunFailedError('runs wait for warm-ups that are not planned: '
                                     + ', '.join(str(r) for r in waiting))
            time.sleep(0.2)
            for training in [t for t in active if t.proc.poll() is not None]:
                active.remove(training)
                training.check()
                finished.add(training.run)
                progress.ran(time.monotonic() - training.start)
    finally:  # an interrupted comparison leaves torn runs, never orphaned trainings
        for training in active:
            _terminate(training.proc)
        signal.signal(signal.SIGTERM, previous)
