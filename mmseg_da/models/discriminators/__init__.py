"""Registered on import."""
from .fc_discriminator import FCDiscriminator  # noqa: F401
from .multi_level import MultiLevelDiscriminator  # noqa: F401
