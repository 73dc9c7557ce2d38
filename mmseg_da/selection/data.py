"""The images a label-free criterion sees: target images without masks, and the labelled source validation set.

Both come from the config's validation set (``val_dataloader``, else ``test_dataloader``): its samples are
split by their domain into target (the adaptation target, e.g. CamVid dusk) and source (every other domain;
never a block of the training set's target domain, even one not selected as target).
Target samples are handed to the pipeline as ``{'img_path': ..., 'domain': ...}`` only, through the test
pipeline without the transforms that load or check masks, so no target mask is read.
"""
import copy
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

from mmengine.config import Config
from mmengine.dataset import Compose

from mmseg_da.config.inference_pipeline import LABEL_TRANSFORMS
from mmseg_da.config.walk import dataset_configs, find_target_dataset

#: A sample loader: called with no argument, returns one packed sample (``inputs``, ``data_samples``).
Loader = Callable[[], dict]


@dataclass
class SelectionData:
    """Loaders of the target images (no masks) and of the labelled source validation samples.

    Attributes:
        target: One loader per target image; each returns a sample without ground truth.
        source: One loader per source validation sample, with ground truth (empty if not asked for).
        target_domains: The domains counted as target.
        source_domains: The domains of the source validation samples.
        target_paths: The image file of each target loader, in order.
    """
    target: List[Loader]
    source: List[Loader] = field(default_factory=list)
    target_domains: tuple = ()
    source_domains: tuple = ()
    target_paths: List[str] = field(default_factory=list)


def _as_names(value) -> tuple:
    if value is None:
        return ()
    return (value, ) if isinstance(value, str) else tuple(value)


def infer_target_domains(cfg: Config) -> tuple:
    """The target domain(s) of an adaptation config: the ``domain`` (and ``domain_name``) of its training
    set's target dataset.

    A validation dataset counts as target where its samples' domain, or its own ``domain`` argument, is one of
    these: with CamVid's ``domain='dusk'`` target, validation blocks renamed ``dusk_adapt`` and
    ``dusk_heldout`` (``domain_name``) are both target.

    Raises:
        ValueError: If the training set has no target dataset naming its domain.
    """
    target = find_target_dataset((cfg.get('train_dataloader') or {}).get('dataset')) or {}
    names = _as_names(target.get('domain')) + _as_names(target.get('domain_name'))
    if not names:
        raise ValueError(f'{cfg.filename}: cannot tell the target domain from the training set (no UDADataset '
                         'target with a `domain`); name it with --target-domain')
    return tuple(dict.fromkeys(names))


def _inferred_or_none(cfg: Config) -> Optional[tuple]:
    try:
        return infer_target_domains(cfg)
    except ValueError:
        return None


def is_target(dataset_cfg: dict, domain: Optional[str], targets: Sequence[str]) -> bool:
    """Whether a validation sample (its dataset config, its domain) belongs to the target domain(s)."""
    own = _as_names(dataset_cfg.get('domain'))
    return domain in targets or bool(own and set(own) <= set(targets))


def eval_dataset_configs(cfg: Config) -> List[dict]:
    """The leaf dataset configs of the config's val (else test) loader.

    Raises:
        ValueError: If the config has neither loader.
    """
    for loader in ('val_dataloader', 'test_dataloader'):
        node = (cfg.get(loader) or {}).get('dataset')
        if node:
            return [copy.deepcopy(d) for d in dataset_configs(node)]
    raise ValueError(f'{cfg.filename} has no val_dataloader or test_dataloader to select on')


def masks_free(pipeline: Sequence[dict]) -> List[dict]:
    """``pipeline`` without the transforms that load, check or use masks."""
    return [copy.deepcopy(t) for t in pipeline if t.get('type') not in LABEL_TRANSFORMS]


def image_folder_data(cfg: Config, images: Sequence[str]) -> Tuple[List[Loader], List[str]]:
    """Loaders (and paths) of target image files or folders, through the config's masks-free test pipeline."""
    from mmseg_da.apis.predict import list_images
    from mmseg_da.config.inference_pipeline import inference_pipeline
    run = Compose(inference_pipeline(cfg, with_annotations=False))
    paths = [str(p) for p in list_images(images)]
    return [lambda path=p: run({'img_path': path, 'domain': 'target'}) for p in paths], paths


def build_selection_data(cfg: Config, target_domains: Optional[Sequence[str]] = None,
                         with_source: bool = True, target_images: Optional[Sequence[str]] = None) -> SelectionData:
    """Split the config's validation samples into target images (no masks) and labelled source samples.

    Args:
        cfg: The (plain or adaptation) config.
        target_domains: Target domain names; default: the training set's target domains.
        with_source: Also prepare the labelled source validation samples.
        target_images: Image files or folders to use as the target instead of the validation set's target
            samples (a target without any mask); validation samples of the target domain(s) are then skipped.

    Returns:
        The loaders, target first.

    Raises:
        ValueError: If there is no target image.
    """
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if target_domains:
        targets = tuple(target_domains)
    elif target_images:
        targets = _inferred_or_none(cfg) or ()
    else:
        targets = infer_target_domains(cfg)
    # never a source sample: the adaptation's target domain, even in blocks not selected as target (scoring on
    # CamVid's dusk_adapt must not read dusk_heldout's masks as "source validation")
    not_source = tuple(targets) + (_inferred_or_none(cfg) or ())
    data = SelectionData(target=[])
    seen, sources, found = [], [], []
    for dataset_cfg in eval_dataset_configs(cfg):
        pipeline = dataset_cfg.get('pipeline') or cfg.get('test_pipeline') or []
        dataset = DATASETS.build(dict(dataset_cfg, pipeline=pipeline))  # its own pipeline: source only
        image_only = Compose(masks_free(pipeline))
        for index in range(len(dataset)):
            info = dataset.get_data_info(index)
            domain = info.get('domain')
            seen.append(domain)
            if is_target(dataset_cfg, domain, targets):
                if not target_images:
                    item = {'img_path': info['img_path'], 'domain': domain}  # the image path only
                    data.target.append(lambda item=item, run=image_only: run(copy.deepcopy(item)))
                    data.target_paths.append(info['img_path'])
                    found.append(domain)
            elif with_source and not is_target(dataset_cfg, domain, not_source):
                data.source.append(lambda i=index, ds=dataset: ds[i])
                sources.append(domain)
    if target_images:
        data.target, data.target_paths = image_folder_data(cfg, target_images)
        found = ['target']
    if not data.target:
        raise ValueError(f'no validation sample of the target domain(s) {list(targets)} in {cfg.filename}; '
                         f'its validation domains are {sorted(set(map(str, seen)))}')
    data.target_domains = tuple(dict.fromkeys(found))
    data.source_domains = tuple(dict.fromkeys(sources))
    return data
