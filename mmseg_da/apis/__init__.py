"""High-level entry points, as ``mmseg.apis``: building a segmentor from a config and a checkpoint, and what the
tools do with it: predict, pseudo-label, export; BatchNorm statistics re-estimated on unlabelled images
(``bn_statistics``), as an AdaBN checkpoint (``adapt_bn``) or per test domain (``domain_bn``)."""
from .adapt_bn import adapt_bn
from .bn_statistics import reestimate_bn_statistics
from .checkpoint import (
                         CheckpointMismatchError,
                         checkpoint_state_dict,
                         load_segmentor_checkpoint,
                         read_checkpoint,
                         segmentor_state_dict,
)
from .export_segmentor import check_loads, export_segmentor, export_state, plain_config
from .init_segmentor import dataset_meta_from_config, init_segmentor
from .predict import Predictor, build_split_dataset, list_images, predict, unique_names

__all__ = ['init_segmentor', 'load_segmentor_checkpoint', 'read_checkpoint', 'checkpoint_state_dict',
           'segmentor_state_dict', 'CheckpointMismatchError', 'dataset_meta_from_config',
           'Predictor', 'predict', 'build_split_dataset', 'list_images', 'unique_names',
           'export_segmentor', 'export_state', 'plain_config', 'check_loads', 'reestimate_bn_statistics',
           'adapt_bn']
