"""Registered on import; plus the functional losses of the UDA segmentors."""
from .entropy import normalized_entropy
from .gan_loss import GANLoss  # noqa: F401
from .plain_cross_entropy import PlainCrossEntropyLoss  # noqa: F401
from .robust_ohem_cross_entropy import RobustOhemCrossEntropy  # noqa: F401
from .weighted_cross_entropy import weighted_cross_entropy

__all__ = ['normalized_entropy', 'weighted_cross_entropy']
