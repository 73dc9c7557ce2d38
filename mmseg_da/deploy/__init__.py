"""Deployment: the fast inference path, FLOPs, and the tools' shape argument.

The deployable segmentor of a config and checkpoint comes from :func:`mmseg_da.apis.init_segmentor`.
"""
from .complexity import FLOP_CONVENTION, count_flops, count_parameters, flops_summary, model_description
from .fast_inference import FastSegmentor, find_conv_bn_pairs, fold_batchnorm, optimize_for_inference, predict_labels
from .shape import parse_shape

__all__ = ['parse_shape', 'FastSegmentor', 'find_conv_bn_pairs', 'fold_batchnorm', 'optimize_for_inference',
           'predict_labels', 'FLOP_CONVENTION', 'count_flops', 'count_parameters', 'flops_summary', 'model_description']
