"""Registered on import."""
from .atomic_checkpoint_hook import AtomicCheckpointHook  # noqa: F401
from .iteration_seed_hook import IterationSeedHook  # noqa: F401
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook  # noqa: F401
from .uda_data_check_hook import UDADataCheckHook  # noqa: F401
from .val_mask_check_hook import ValMaskCheckHook  # noqa: F401
