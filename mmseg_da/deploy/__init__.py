"""Deployment: the deployable segmentor of a config, and the fast inference path."""
from .builder import build_deployable_segmentor, parse_shape
from .fast_inference import (FastSegmentor, find_conv_bn_pairs, fold_batchnorm,
                             optimize_for_inference, predict_labels)

__all__ = ['build_deployable_segmentor', 'parse_shape', 'FastSegmentor',
           'find_conv_bn_pairs', 'fold_batchnorm', 'optimize_for_inference', 'predict_labels']
from .complexity import FLOP_CONVENTION, count_flops, count_parameters  # noqa: E402

__all__ += ['FLOP_CONVENTION', 'count_flops', 'count_parameters']
