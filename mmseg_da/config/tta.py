"""Turn a test config into its test-time-augmentation version (``tools/test.py --tta``)."""
import copy

from mmengine.config import Config, ConfigDict

from .walk import dataset_configs

#: mmseg's TTA model (set by mmseg's default_runtime.py): replaced by its subclass that keeps the domain.
_MMSEG_TTA_TYPES = ('SegTTAModel', 'mmseg.SegTTAModel')


def apply_tta(cfg: Config) -> None:
    """Make ``cfg`` test with test-time augmentation, in place, as mmseg's ``tools/test.py --tta`` does.

    Every test dataset (also those inside ``ConcatDataset``) reads ``cfg.tta_pipeline``, and the model
    becomes ``cfg.tta_model`` wrapping the *deployable* segmentor: ``cfg.model`` for a plain config, its
    ``segmentor`` for an adaptation config (``model=dict(type=<UDA segmentor>, segmentor=...)``), so
    discriminators and teachers are not built. The TTA model defaults to
    :class:`~mmseg_da.models.segmentors.DomainSegTTAModel`, which keeps each sample's ``domain`` for the
    per-domain metric; mmseg's ``SegTTAModel`` is replaced by it (same merging), any other type is kept.

    A checkpoint then loads into ``cfg.model.module``: keys of a plain segmentor checkpoint
    (``backbone.``, ...), not an adaptation checkpoint's (``segmentor.backbone.``, ...).

    Args:
        cfg (Config): A test config with ``model``, ``test_dataloader`` and ``tta_pipeline``.

    Raises:
        KeyError: If the config has no ``tta_pipeline`` or no test dataset with a pipeline.
    """
    name = cfg.filename or '<config without a file>'
    if not cfg.get('tta_pipeline'):
        raise KeyError(
            f'{name} has no `tta_pipeline`, which --tta needs: define one (CheckedLoadImageFromFile, then '
            "TestTimeAug with the scales and flips, CheckedLoadAnnotations and PackDomainSegInputs), as the "
            'dataset bases in configs/_base_/datasets/ do, or inherit one of them')
    datasets = [d for d in dataset_configs(cfg.test_dataloader.dataset) if 'pipeline' in d]
    if not datasets:
        raise KeyError(f'{name}: test_dataloader.dataset (type {cfg.test_dataloader.dataset.get("type")!r}) '
                       'has no `pipeline`, here or in its `datasets`/`dataset`, for the tta_pipeline')
    for dataset in datasets:
        dataset['pipeline'] = copy.deepcopy(cfg.tta_pipeline)

    segmentor = cfg.model
    while 'segmentor' in segmentor:  # adaptation model -> the segmentor it trains (see models/utils/deployable.py)
        segmentor = segmentor['segmentor']
    tta_model = ConfigDict(copy.deepcopy(cfg.get('tta_model') or {}))
    if tta_model.get('type', _MMSEG_TTA_TYPES[0]) in _MMSEG_TTA_TYPES:
        tta_model['type'] = 'DomainSegTTAModel'
    tta_model['module'] = segmentor
    cfg.model = tta_model
