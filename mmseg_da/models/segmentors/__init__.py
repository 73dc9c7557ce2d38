from .uda_segmentor import UDASegmentor

__all__ = ['UDASegmentor']
from .adversarial import AdversarialSegmentor  # noqa: E402,F401
from .domain_tta import DomainSegTTAModel  # noqa: E402,F401
from .entropy_min import EntropyMinSegmentor  # noqa: E402,F401
from .mean_teacher import MeanTeacherSegmentor  # noqa: E402,F401
from .target_bn import TargetBNSegmentor  # noqa: E402,F401
