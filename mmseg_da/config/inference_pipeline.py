"""The pipeline that image-only inference (prediction, pseudo-labelling) runs on each file."""
import copy
from typing import List

from mmengine.config import Config

from .walk import dataset_configs

#: Transforms that need or make labels; an image-only pipeline leaves them out (mmseg's mask loader and the
#: project's checked ones, the mask check, the boundary maps).
LABEL_TRANSFORMS = ('LoadAnnotations', 'CheckedLoadAnnotations', 'LoadGTA5Annotations', 'CheckSegMap',
                    'GenerateEdge')


def inference_pipeline(cfg: Config, with_annotations: bool = False) -> List[dict]:
    """The config's test pipeline, or for image-only inference its ``predict_pipeline`` where it defines
    one, else the test pipeline without the transforms that need labels."""
    if not with_annotations and cfg.get('predict_pipeline'):
        return copy.deepcopy(list(cfg.predict_pipeline))
    pipeline = cfg.get('test_pipeline')
    if pipeline is None:
        datasets = dataset_configs((cfg.get('test_dataloader') or {}).get('dataset'))
        pipeline = next((d['pipeline'] for d in datasets if 'pipeline' in d), None)
    if not pipeline:
        raise ValueError('the config has no `test_pipeline` and no `test_dataloader.dataset.pipeline`')
    pipeline = copy.deepcopy(list(pipeline))
    if not with_annotations:
        pipeline = [t for t in pipeline if t.get('type') not in LABEL_TRANSFORMS]
    return pipeline
