"""Registered on import."""
from . import decode_heads, discriminators, losses, segmentors  # noqa: F401
