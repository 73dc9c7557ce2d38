"""Registered on import."""
from .uda_data_check_hook import UDADataCheckHook  # noqa: F401
from .iteration_seed_hook import IterationSeedHook  # noqa: F401
