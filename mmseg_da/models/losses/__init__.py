"""Registered on import."""
from .gan_loss import GANLoss  # noqa: F401
from .plain_cross_entropy import PlainCrossEntropyLoss  # noqa: F401
from .robust_ohem_cross_entropy import RobustOhemCrossEntropy  # noqa: F401
