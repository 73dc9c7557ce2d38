"""Registered on import."""
from . import optimizers  # noqa: F401
from . import hooks  # noqa: F401
from . import model_wrappers  # noqa: F401
