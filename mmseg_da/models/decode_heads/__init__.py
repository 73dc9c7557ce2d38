"""Registered on import."""
from .dlv2_head import DLV2Head  # noqa: F401
