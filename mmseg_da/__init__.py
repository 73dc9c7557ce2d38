"""mmseg-da: real-time unsupervised domain adaptation for semantic segmentation, as an mmseg 1.x plugin.

Importing the package registers its datasets, transforms, models, metrics and optimizer constructors
into mmseg's registries (configs load it with ``custom_imports=dict(imports=['mmseg_da'])``), and lets
torch's safe loader read mmengine's own checkpoints.
"""
from . import mmcv_lite

mmcv_lite.install()  # before anything imports mmseg (no-op when full mmcv is installed)

from .fileio.safe_load import allow_mmengine_checkpoints  # noqa: E402

allow_mmengine_checkpoints()

from . import datasets, engine, evaluation, models  # noqa: E402,F401  (registration side effects)

__version__ = '0.1.0'
