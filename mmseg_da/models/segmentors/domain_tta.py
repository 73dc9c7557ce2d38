"""mmseg's test-time-augmentation model, with each merged prediction keeping its sample's metainfo."""
from typing import List, Sequence, Union

from mmseg.models.segmentors import SegTTAModel
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import nn

#: Metainfo that describes the sample, not one augmented view of it (``PackDomainSegInputs`` packs them).
SAMPLE_META_KEYS = ('img_path', 'seg_map_path', 'ori_shape', 'reduce_zero_label', 'domain')


@MODELS.register_module()
class DomainSegTTAModel(SegTTAModel):
    """:class:`mmseg.models.SegTTAModel` whose merged predictions keep the sample's metainfo.

    The views of a sample (scales, flips: ``TestTimeAug`` in the ``tta_pipeline``) are predicted one by
    one and their softmax scores averaged, as in mmseg. mmseg writes the merged prediction into the data
    sample of the *last* view and restores only its ``img_path``; here the keys in ``meta_keys`` are
    copied from the first view, so that the per-domain metric (``DomainIoUMetric`` reads ``domain``) and
    the ``--out`` writer (``reduce_zero_label``) see the sample's own values, whatever the views did.

    Args:
        module (dict | nn.Module): The plain mmseg segmentor to test (for an adaptation model, its
            deployable ``segmentor``: :func:`mmseg_da.config.tta.apply_tta` picks it).
        meta_keys (Sequence[str]): Metainfo keys copied to the merged prediction when present.
            Defaults to :data:`SAMPLE_META_KEYS`.
        **kwargs: Passed to :class:`mmengine.model.BaseTTAModel` (``data_preprocessor``).
    """

    def __init__(self, module: Union[dict, nn.Module], meta_keys: Sequence[str] = SAMPLE_META_KEYS,
                 **kwargs) -> None:
        super().__init__(module=module, **kwargs)
        if not hasattr(self.module, 'out_channels'):
            raise TypeError(
                f'DomainSegTTAModel wraps a plain mmseg segmentor (one with `out_channels`, e.g. '
                f'EncoderDecoder), got {type(self.module).__name__}; for an adaptation model wrap its '
                '`segmentor` (mmseg_da.config.tta.apply_tta does so for tools/test.py --tta)')
        self.meta_keys = tuple(meta_keys)

    def merge_preds(self, data_samples_list: List[SampleList]) -> SampleList:
        """Average the views' predictions (mmseg) and give each result its sample's metainfo."""
        merged = super().merge_preds(data_samples_list)
        for prediction, views in zip(merged, data_samples_list):
            first = views[0].metainfo
            prediction.set_metainfo({key: first[key] for key in self.meta_keys if key in first})
        return merged
