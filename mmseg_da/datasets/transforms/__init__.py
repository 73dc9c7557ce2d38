"""Registered on import."""
from .albu import ALBU_PRESETS, AlbuAugment  # noqa: F401
from .auto_augment import AlbuAutoAugment  # noqa: F401
from .checks import CheckSegMap  # noqa: F401
from .fda import FDA  # noqa: F401
from .formatting import PackDomainSegInputs  # noqa: F401
from .loading import CheckedLoadAnnotations, CheckedLoadImageFromFile  # noqa: F401
