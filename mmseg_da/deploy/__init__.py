"""Deployment and speed: the fast inference path, ONNX export and ONNX Runtime, FLOPs, the machine's peak, the shape
argument; the benchmarks of inference (``benchmark``), of the training data pipeline (``benchmark_data``) and of
an adaptation training step (``benchmark_uda_step``), and the one-command GPU check (``gpu_check``).

The deployable segmentor of a config and checkpoint comes from :func:`mmseg_da.apis.init_segmentor`. onnx and
onnxruntime (the ``deploy`` extra) are imported only when an ONNX function is called.
"""
from .fast_inference import FastSegmentor, find_conv_bn_pairs, fold_batchnorm, optimize_for_inference, predict_labels
from .get_flops import FLOP_CONVENTION, count_flops, count_parameters, flops_summary, model_description
from .machine_peak import PeakEstimate, estimate_peak
from .onnx_export import export_onnx, parity
from .onnx_runtime import MissingDependencyError, OnnxSegmentor
from .shape import parse_shape

__all__ = ['parse_shape', 'FastSegmentor', 'find_conv_bn_pairs', 'fold_batchnorm', 'optimize_for_inference',
           'predict_labels', 'FLOP_CONVENTION', 'count_flops', 'count_parameters', 'flops_summary', 'model_description',
           'PeakEstimate', 'estimate_peak', 'export_onnx', 'parity', 'OnnxSegmentor', 'MissingDependencyError']
