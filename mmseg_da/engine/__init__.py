"""Registered on import."""
from . import (
    hooks,  # noqa: F401
    model_wrappers,  # noqa: F401
    optimizers,  # noqa: F401
)
from .runner import DARunner  # noqa: F401
