"""Score checkpoints by label-free criteria and rank them.

Each checkpoint is loaded strictly by :func:`mmseg_da.apis.init_segmentor` into the config's deployable
segmentor, run once over the selection data (:mod:`mmseg_da.selection.outputs`), then scored by every
criterion asked for. ``agreement`` compares with a reference: the majority vote of all the candidates, or a
given reference checkpoint.
"""
import glob
import math
import os.path as osp
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from torch import nn

from .criteria import CRITERIA, Context, majority_vote
from .data import SelectionData
from .outputs import CheckpointOutputs, collect_outputs, collect_target

#: Called with each loaded segmentor and its checkpoint path (e.g. by the validation, to score it with labels).
Visitor = Callable[[nn.Module, str], None]


def _natural_key(path: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r'(\d+)', path)]


def expand_checkpoints(items: Sequence[str]) -> List[str]:
    """Checkpoint files given directly, by glob pattern, or as folders (their ``*.pth``), without repeats.

    Files of a folder or a pattern come in natural order (``iter_250`` before ``iter_1000``).

    Raises:
        FileNotFoundError: If an item matches nothing.
    """
    found: List[str] = []
    for item in items:
        if osp.isdir(item):
            paths = glob.glob(osp.join(item, '*.pth'))
        elif osp.isfile(item):
            paths = [item]
        else:
            paths = [p for p in glob.glob(item) if osp.isfile(p)]
        if not paths:
            raise FileNotFoundError(f'no checkpoint at {item!r} (a .pth file, a folder of them or a glob)')
        found += sorted(paths, key=_natural_key)
    unique: Dict[str, str] = {}
    for path in found:
        unique.setdefault(osp.realpath(path), path)
    return list(unique.values())


def check_criteria(names: Sequence[str]) -> List[str]:
    """``names`` checked against :data:`CRITERIA` (``all``: every criterion).

    Raises:
        ValueError: If a name is unknown.
    """
    if 'all' in names:
        return list(CRITERIA)
    unknown = [n for n in names if n not in CRITERIA]
    if unknown:
        raise ValueError(f'unknown criterion {unknown}; choose from {list(CRITERIA)} or all')
    return list(dict.fromkeys(names))


def needs_source(names: Sequence[str]) -> bool:
    """Whether any of the criteria reads the labelled source validation set."""
    return any(CRITERIA[n].needs_source for n in names)


def needs_mix_probes(names: Sequence[str], batch_size: int = 2) -> bool:
    """Whether any of the criteria reads MixVal's probes (a second forward pass per target batch).

    Raises:
        ValueError: MixVal is asked for with batches of one image (no partner to mix with: no probe at all).
    """
    if 'mixval' not in names:
        return False
    if batch_size < 2:
        raise ValueError(f'the mixval criterion mixes images of one batch: --batch-size must be >= 2, got {batch_size}')
    return True


def collect_all(jobs: Sequence[Tuple[str, Config, SelectionData]], device: str = 'cpu', batch_size: int = 4,
                visit: Optional[Visitor] = None, log: Callable[[str], None] = print,
                mix_probes: bool = True) -> List[CheckpointOutputs]:
    """Load every checkpoint strictly and collect its outputs; ``visit`` sees each loaded segmentor.

    Args:
        jobs: ``(checkpoint, config, selection data)`` triples (runs of different configs may be mixed).
        device: Where to run.
        batch_size: Images per forward pass.
        visit: Called with each loaded segmentor and its checkpoint.
        log: Progress printer.
        mix_probes: Also run MixVal's mixed images (see :func:`needs_mix_probes`).
    """
    from mmseg_da.apis import init_segmentor
    outputs = []
    for i, (checkpoint, cfg, data) in enumerate(jobs, 1):
        segmentor = init_segmentor(cfg, checkpoint, device=device)
        outputs.append(collect_outputs(segmentor, data, checkpoint, batch_size, mix_probes))
        if visit is not None:
            visit(segmentor, checkpoint)
        log(f'[{i}/{len(jobs)}] {checkpoint}')
    return outputs


def reference_labels(cfg: Config, outputs: Sequence[CheckpointOutputs], data: SelectionData,
                     reference: Optional[str] = None, device: str = 'cpu', batch_size: int = 4) -> np.ndarray:
    """Target labels of the ``reference`` checkpoint, else the candidates' per-pixel majority vote."""
    if reference is not None:
        from mmseg_da.apis import init_segmentor
        segmentor = init_segmentor(cfg, reference, device=device)
        return collect_target(segmentor, data.target, batch_size, mix_probes=False).labels
    num_classes = max(len(o.target.prob_sum) for o in outputs)
    return majority_vote([o.target.labels for o in outputs], num_classes)


def score_outputs(outputs: Sequence[CheckpointOutputs], names: Sequence[str],
                  context: Context) -> Dict[str, Dict[str, float]]:
    """``{criterion: {checkpoint: score}}``; a criterion that fails on a checkpoint scores NaN."""
    scores: Dict[str, Dict[str, float]] = {}
    for name in names:
        criterion = CRITERIA[name]
        scores[name] = {}
        for out in outputs:
            try:
                value = float(criterion.score(out, context))
            except (ValueError, FloatingPointError, np.linalg.LinAlgError):
                value = float('nan')
            scores[name][out.checkpoint] = value
    return scores


def rank(scores: Dict[str, float], higher_is_better: bool) -> List[str]:
    """Checkpoints best first; NaN scores last (ties keep the given order)."""
    def key(item):
        value = item[1]
        if value is None or math.isnan(value):
            return (1, 0.0)
        return (0, -value if higher_is_better else value)
    return [c for c, _ in sorted(scores.items(), key=key)]


def pick(scores: Dict[str, float], higher_is_better: bool) -> Optional[str]:
    """The best checkpoint, or None if every score is NaN."""
    order = rank(scores, higher_is_better)
    return order[0] if order and not math.isnan(scores[order[0]]) else None
