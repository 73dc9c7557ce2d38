"""Registered on import."""
from .domain_iou_metric import DomainIoUMetric  # noqa: F401
