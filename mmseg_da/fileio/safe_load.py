"""Let ``torch.load(weights_only=True)`` read the checkpoints that mmengine writes.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7 calls ``torch.load``
without the argument, so its own checkpoints (a ``HistoryBuffer`` in the message hub, numpy arrays and
scalars in the logged values) are refused. Rather than switching safe loading off, we add exactly the
classes that those checkpoints hold to torch's allow-list of safe globals.

One more detail: a pickled ``HistoryBuffer`` also holds its ``statistics_methods`` dict, bound
functions that pickle as ``getattr(HistoryBuffer, 'mean')``; allowing ``getattr`` would open far more
than we need. ``HistoryBuffer.__init__`` rebuilds that dict, so we pickle buffers without it.
"""
import copyreg
from typing import List, Tuple

import numpy as np
import torch


def _numpy_globals() -> List[object]:
    """The numpy callables and types that pickled arrays, dtypes and scalars reference."""
    try:  # numpy >= 2 moved the private module; keep both spellings.
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover - numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [type(np.dtype(code)) for code in '?bBhHiIlLqQefdgFDGSUVO']
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtype_classes]


def mmengine_safe_globals() -> List[object]:
    """Every non-tensor class that a checkpoint written by mmengine's Runner contains."""
    from mmengine.logging.history_buffer import HistoryBuffer
    return [HistoryBuffer, *_numpy_globals()]


def _reduce_history_buffer(buffer) -> Tuple[type, tuple, dict]:
    """Pickle a HistoryBuffer as its class and data only (``__init__`` restores the methods)."""
    state = {k: v for k, v in vars(buffer).items() if k != 'statistics_methods'}
    return type(buffer), (), state


def allow_mmengine_checkpoints() -> None:
    """Register :func:`mmengine_safe_globals` with torch's safe unpickler (idempotent)."""
    from mmengine.logging.history_buffer import HistoryBuffer
    copyreg.pickle(HistoryBuffer, _reduce_history_buffer)
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is not None:  # torch < 2.4 loads everything anyway
        add_safe_globals(mmengine_safe_globals())
