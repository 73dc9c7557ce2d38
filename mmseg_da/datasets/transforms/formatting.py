"""mmseg's PackSegInputs, with each sample's ``domain`` kept in its metainfo."""
import inspect
from typing import Sequence

from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

_MMSEG_META_KEYS = tuple(inspect.signature(PackSegInputs.__init__).parameters['meta_keys'].default)
DOMAIN_META_KEYS = _MMSEG_META_KEYS + ('domain', )


# Only the default differs from mmseg: one registered name, instead of every pipeline restating mmseg's keys.
@TRANSFORMS.register_module()
class PackDomainSegInputs(PackSegInputs):
    """Pack inputs and labels as :class:`mmseg.datasets.transforms.PackSegInputs` does, plus ``domain``.

    The default meta keys are mmseg's with ``'domain'`` appended, so ``data_sample.metainfo['domain']``
    tells the per-domain metric (and the UDA methods) where each sample comes from. Keys absent from a
    sample (an image-only sample has no ``seg_map_path``, a sample without a domain no ``domain``) are
    skipped, as in mmseg.

    Args:
        meta_keys (Sequence[str]): Keys copied into the data sample's metainfo.
    """

    def __init__(self, meta_keys: Sequence[str] = DOMAIN_META_KEYS) -> None:
        super().__init__(meta_keys=tuple(meta_keys))
