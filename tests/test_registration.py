"""Every public class of mmseg_da is registered in mmseg's registry of its kind."""
import importlib
import inspect
import pkgutil

import pytest
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset
from mmengine.evaluator import BaseMetric
from mmengine.optim import DefaultOptimWrapperConstructor
from mmengine.registry import MODEL_WRAPPERS
from mmseg.registry import DATASETS, METRICS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS, TRANSFORMS
from torch import nn
from torch.nn.parallel import DistributedDataParallel

import mmseg_da

KINDS = [(BaseDataset, DATASETS), (BaseTransform, TRANSFORMS), (BaseMetric, METRICS),
         (DefaultOptimWrapperConstructor, OPTIM_WRAPPER_CONSTRUCTORS),
         (DistributedDataParallel, MODEL_WRAPPERS), (nn.Module, MODELS)]


# the subpackages whose classes configs build by name (mmseg_da.deploy and utils are plain Python APIs)
CONFIG_FACING = ('datasets', 'models', 'engine', 'evaluation')


def public_classes():
    for info in pkgutil.walk_packages(mmseg_da.__path__, 'mmseg_da.'):
        if info.name.split('.')[1] not in CONFIG_FACING:
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and obj.__module__ == module.__name__ and not name.startswith('_'):
                yield obj


CLASSES = sorted({c for c in public_classes() if any(issubclass(c, base) for base, _ in KINDS)},
                 key=lambda c: c.__name__)


@pytest.mark.parametrize('cls', CLASSES, ids=lambda c: c.__name__)
def test_public_class_is_registered(cls):
    registry = next(reg for base, reg in KINDS if issubclass(cls, base))
    assert registry.get(cls.__name__) is cls, f'{cls.__module__}.{cls.__name__} is not in {registry.name}'


@pytest.mark.parametrize('name,registry', [
    ('UDASegmentor', MODELS), ('LoveDADomainDataset', DATASETS), ('CamVidDomainDataset', DATASETS),
    ('UDADataset', DATASETS), ('PackDomainSegInputs', TRANSFORMS), ('AlbuAugment', TRANSFORMS),
    ('DomainIoUMetric', METRICS), ('DLV2Head', MODELS),
])
def test_core_modules_are_registered(name, registry):
    assert registry.get(name) is not None, name
