"""Registered on import."""
from .uda_optim_wrapper_constructor import UDAOptimWrapperConstructor  # noqa: F401
