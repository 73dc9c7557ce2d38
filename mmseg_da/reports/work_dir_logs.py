"""Read what mmengine's Runner leaves in a work dir: the run's config and its logged scalars.

A training run writes, per start (``<timestamp>`` = ``YYYYMMDD_HHMMSS``)::

    WORK_DIR/<config name>.py                    the dumped config
    WORK_DIR/<timestamp>/vis_data/config.py      the same config
    WORK_DIR/<timestamp>/vis_data/scalars.json   one JSON object per line: training lines (loss, lr, ...)
                                                 and validation lines (mIoU, Rural/mIoU, ...), with `step`
    WORK_DIR/<timestamp>/<timestamp>.json        written by `tools/test.py` runs: the test metrics

A resumed run adds another ``<timestamp>`` folder; the folders are read in time order.
"""
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from mmengine.config import Config
from mmengine.utils import ProgressBar

PathLike = Union[str, Path]

#: The summary metrics of mmseg's evaluators; a logged line holding one of them is an evaluation.
SUMMARY_METRICS = ('mIoU', 'mAcc', 'aAcc', 'mDice', 'mFscore')
#: Bookkeeping keys that mmengine adds to every logged line.
NON_METRIC_KEYS = ('step', 'iter', 'epoch', 'time', 'data_time', 'memory', 'eta', 'lr')
_TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')


class WorkDirError(ValueError):
    """A work dir that cannot be read or holds no finished evaluation."""


def _is_eval_line(line: dict) -> bool:
    return any(key.rsplit('/', 1)[-1] in SUMMARY_METRICS for key in line)


@dataclass
class EvalRecord:
    """One evaluation of a run: the metrics of one validation (or test) epoch.

    Attributes:
        metrics: Metric name -> value as logged (mmseg logs IoUs in %).
        step: The ``step`` of the logged line (an iteration, or an epoch when logged by epoch).
        iteration: The training iteration the evaluation belongs to (None for a test run).
        kind: ``'val'`` (during training) or ``'test'`` (a ``tools/test.py`` run).
        by_epoch: Whether ``step`` counts epochs.
        source: The log file it was read from.
    """
    metrics: Dict[str, float]
    step: Optional[int]
    iteration: Optional[int]
    kind: str
    by_epoch: bool
    source: Path

    @property
    def domains(self) -> List[str]:
        """Domains with their own mIoU (``<domain>/mIoU`` keys), in logged order."""
        return [key[:-len('/mIoU')] for key in self.metrics if key.endswith('/mIoU')]

    def class_ious(self, domain: Optional[str] = None) -> Dict[str, float]:
        """Per-class IoU of one domain (``<domain>/IoU.<class>``) or overall (``IoU.<class>``)."""
        prefix = f'{domain}/IoU.' if domain else 'IoU.'
        return {key[len(prefix):]: value for key, value in self.metrics.items() if key.startswith(prefix)}

    @property
    def when(self) -> str:
        """Where in training it was taken, e.g. ``'iter 4000'``, ``'epoch 20'`` or ``'test'``."""
        if self.kind == 'test':
            return 'test'
        return f'epoch {self.step}' if self.by_epoch else f'iter {self.step}'


@dataclass
class RunLogs:
    """A work dir's config and logs.

    Attributes:
        work_dir: The work dir.
        name: The config's name (the dumped ``<name>.py``; the folder name when absent).
        config: The run's config.
        train_lines: Training lines of ``scalars.json`` in order (loss, lr, ... with ``step``).
        evals: Validation evaluations in order, then test evaluations.
        log_files: The log files read.
    """
    work_dir: Path
    name: str
    config: Config
    train_lines: List[dict] = field(default_factory=list)
    evals: List[EvalRecord] = field(default_factory=list)
    log_files: List[Path] = field(default_factory=list)

    @property
    def version(self) -> str:
        """The config's ``version`` key where it defines one, else the config's name."""
        version = self.config.get('version', None)
        return str(version) if version is not None else self.name

    def _evals(self) -> List[EvalRecord]:
        """Validation evaluations; test evaluations only where training never validated."""
        vals = [e for e in self.evals if e.kind == 'val']
        return vals or [e for e in self.evals if e.kind == 'test']

    def final_eval(self) -> EvalRecord:
        """The last finished evaluation.

        Raises:
            WorkDirError: If the logs hold none.
        """
        evals = self._evals()
        if not evals:
            logs = ', '.join(str(p) for p in self.log_files) or 'no log file'
            raise WorkDirError(
                f'{self.work_dir}: no finished evaluation (no line with {"/".join(SUMMARY_METRICS[:3])} in '
                f'{logs}); training stopped before its first validation, or validation is off')
        return evals[-1]

    def best_eval(self, key: str) -> EvalRecord:
        """The evaluation with the highest ``key`` (the latest one on ties).

        Raises:
            WorkDirError: If there is no evaluation, or none logged ``key``.
        """
        self.final_eval()  # the clear "no evaluation" message first
        scored = [e for e in self._evals() if isinstance(e.metrics.get(key), (int, float))]
        if not scored:
            known = sorted({k for e in self._evals() for k in e.metrics})
            raise WorkDirError(f'{self.work_dir}: no evaluation logged "{key}"; logged metrics: {known}')
        return max(reversed(scored), key=lambda e: e.metrics[key])

    def keys(self) -> List[str]:
        """Every logged scalar name (training and evaluation), in first-seen order."""
        seen: Dict[str, None] = {}
        for line in self.train_lines:
            seen.update(dict.fromkeys(k for k in line if k not in ('step', 'iter', 'epoch')))
        for record in self.evals:
            seen.update(dict.fromkeys(record.metrics))
        return list(seen)

    def series(self, key: str) -> Tuple[List[int], List[float]]:
        """``(iterations, values)`` of one scalar over training; empty where it was never logged.

        Training lines are placed at their ``step`` (the iteration); validation lines at the iteration
        where they ran. Where a resumed run logged a step twice, the later value wins.
        """
        points: Dict[int, float] = {}
        for line in self.train_lines:
            if isinstance(line.get(key), (int, float)) and 'step' in line:
                points[int(line['step'])] = float(line[key])
        if not points:
            for record in self.evals:
                if record.kind == 'val' and isinstance(record.metrics.get(key), (int, float)):
                    points[int(record.iteration)] = float(record.metrics[key])
        xs = sorted(points)
        return xs, [points[x] for x in xs]


def _read_json_lines(path: Path) -> List[dict]:
    texts = [t.strip() for t in path.read_text(encoding='utf-8').splitlines()]
    texts = [t for t in texts if t]
    lines = []
    for number, text in enumerate(texts, 1):
        try:
            line = json.loads(text)
        except json.JSONDecodeError as err:
            if number == len(texts):  # the last line of a run killed while writing it
                break
            raise WorkDirError(f'{path}, line {number}: not JSON ({err})') from err
        if isinstance(line, dict):
            lines.append(line)
    return lines


def _timestamp_dirs(work_dir: Path) -> List[Path]:
    return sorted(p for p in work_dir.iterdir() if p.is_dir() and _TIMESTAMP.match(p.name))


def _val_logged_by_epoch(cfg: Config) -> bool:
    """Whether validation lines carry the epoch as ``step`` (LoggerHook.log_metric_by_epoch)."""
    train_cfg = cfg.get('train_cfg') or {}
    by_epoch_loop = train_cfg.get('type') == 'EpochBasedTrainLoop' or bool(train_cfg.get('by_epoch'))
    logger_cfg = (cfg.get('default_hooks') or {}).get('logger') or {}
    return by_epoch_loop and bool(logger_cfg.get('log_metric_by_epoch', True))


def _epoch_end_iterations(train_lines: Sequence[dict]) -> Dict[int, int]:
    """Epoch -> last logged training iteration of that epoch."""
    ends: Dict[int, int] = {}
    for line in train_lines:
        if 'epoch' in line and 'step' in line:
            epoch = int(line['epoch'])
            ends[epoch] = max(ends.get(epoch, 0), int(line['step']))
    return ends


def _config_path(work_dir: Path, stamps: Sequence[Path], training_stamps: Sequence[Path]) -> Optional[Path]:
    for stamp in list(reversed(training_stamps)) + list(reversed(stamps)):
        candidate = stamp / 'vis_data' / 'config.py'
        if candidate.is_file():
            return candidate
    dumped = sorted(work_dir.glob('*.py'), key=lambda p: p.stat().st_mtime)
    return dumped[-1] if dumped else None


def is_work_dir(path: PathLike) -> bool:
    """Whether ``path`` looks like a Runner work dir (has a ``<timestamp>`` folder)."""
    path = Path(path)
    return path.is_dir() and bool(_timestamp_dirs(path))


def expand_work_dirs(paths: Iterable[PathLike]) -> List[Path]:
    """Work dirs given directly, plus the work dirs one level inside a folder like ``work_dirs/``.

    Raises:
        WorkDirError: If a path does not exist.
    """
    found: List[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise WorkDirError(f'{path}: no such work dir')
        if path.is_dir() and not is_work_dir(path):
            children = sorted(c for c in path.iterdir() if is_work_dir(c))
            if children:
                found.extend(children)
                continue
        found.append(path)
    return found


def load_run(work_dir: PathLike) -> RunLogs:
    """Read one work dir's config and logs.

    Raises:
        WorkDirError: If the folder holds no Runner output or its config cannot be read.
    """
    work_dir = Path(work_dir)
    if not work_dir.is_dir():
        raise WorkDirError(f'{work_dir}: not a folder')
    stamps = _timestamp_dirs(work_dir)
    if not stamps:
        raise WorkDirError(f'{work_dir}: no <timestamp> folder (YYYYMMDD_HHMMSS) with mmengine logs; '
                           f'is it a work dir of tools/train.py?')

    train_lines: List[dict] = []
    val_lines: List[Tuple[dict, Path]] = []
    test_lines: List[Tuple[dict, Path]] = []
    log_files: List[Path] = []
    training_stamps: List[Path] = []
    for stamp in stamps:
        scalars = stamp / 'vis_data' / 'scalars.json'
        if scalars.is_file():
            log_files.append(scalars)
            lines = _read_json_lines(scalars)
            if any(not _is_eval_line(line) for line in lines):
                training_stamps.append(stamp)
            for line in lines:
                if _is_eval_line(line):
                    val_lines.append((line, scalars))
                else:
                    train_lines.append(line)
        test_log = stamp / f'{stamp.name}.json'
        if test_log.is_file():  # the LoggerHook's test output, one line without `step`
            log_files.append(test_log)
            test_lines.extend((line, test_log) for line in _read_json_lines(test_log) if _is_eval_line(line))

    config_path = _config_path(work_dir, stamps, training_stamps)
    if config_path is None:
        raise WorkDirError(f'{work_dir}: no config (neither <timestamp>/vis_data/config.py nor a dumped '
                           f'<config name>.py)')
    try:
        config = Config.fromfile(str(config_path))
    except Exception as err:  # a config that no longer loads (e.g. a renamed module) - name it
        raise WorkDirError(f'{work_dir}: cannot read config {config_path}: {err}') from err
    dumped = sorted(work_dir.glob('*.py'), key=lambda p: p.stat().st_mtime)
    name = dumped[-1].stem if dumped else work_dir.name

    by_epoch = _val_logged_by_epoch(config)
    epoch_ends = _epoch_end_iterations(train_lines) if by_epoch else {}
    evals = []
    for line, source in val_lines:
        step = int(line['step']) if 'step' in line else None
        iteration = epoch_ends.get(step, step) if by_epoch else step
        metrics = {k: v for k, v in line.items() if k not in NON_METRIC_KEYS}
        evals.append(EvalRecord(metrics, step, iteration, 'val', by_epoch, source))
    for line, source in test_lines:
        metrics = {k: v for k, v in line.items() if k not in NON_METRIC_KEYS}
        evals.append(EvalRecord(metrics, None, None, 'test', False, source))
    return RunLogs(work_dir, name, config, train_lines, evals, log_files)


def warn(message: str) -> None:
    """A warning on stderr (stdout may carry a table)."""
    print(f'WARNING: {message}', file=sys.stderr, flush=True)


def load_runs(paths: Iterable[PathLike], require_eval: bool = False, progress: bool = True) -> List[RunLogs]:
    """Read several work dirs (folders of work dirs are expanded), skipping unusable ones with a warning.

    Args:
        paths: Work dirs, or folders that contain work dirs.
        require_eval: Also skip runs without a finished evaluation.
        progress: Show mmengine's progress bar (on stderr) when there are more than three.

    Raises:
        WorkDirError: If no usable work dir is left; the message names every skipped one and why.
    """
    work_dirs = expand_work_dirs(paths)
    if not work_dirs:
        raise WorkDirError('no work dir given')
    runs, problems = [], []
    bar = ProgressBar(len(work_dirs), file=sys.stderr) if progress and len(work_dirs) > 3 else None
    for work_dir in work_dirs:
        try:
            run = load_run(work_dir)
            if require_eval:
                run.final_eval()
            runs.append(run)
        except WorkDirError as err:
            problems.append(str(err))
        if bar is not None:
            bar.update()
    if bar is not None:
        sys.stderr.write('\n')
    if not runs:
        raise WorkDirError('no usable work dir:\n  ' + '\n  '.join(problems))
    for problem in problems:
        warn(f'skipping {problem}')
    return runs
