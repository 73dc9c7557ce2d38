"""Registered on import."""
from .uda_data_check_hook import UDADataCheckHook  # noqa: F401
