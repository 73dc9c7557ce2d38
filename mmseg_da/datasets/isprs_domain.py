"""mmseg's ISPRS Potsdam and Vaihingen datasets as the two domains of Potsdam -> Vaihingen."""
from mmseg.datasets import ISPRSDataset, PotsdamDataset
from mmseg.registry import DATASETS

from .domain_tag import DomainTagMixin


@DATASETS.register_module()
class PotsdamDomainDataset(DomainTagMixin, PotsdamDataset):
    """mmseg's :class:`~mmseg.datasets.PotsdamDataset`, every sample tagged with its domain (``'Potsdam'``).

    Reads the layout of mmseg's ``tools/dataset_converters/potsdam.py`` (``img_dir/{train,val}``,
    ``ann_dir/{train,val}``, 512x512 tiles; mask value 0 is ignored, 1..6 are the six classes), with mmseg's
    classes and palette. An empty image folder and images without masks are refused by name.

    Args:
        domain_name (str): Name of the domain in metrics. Defaults to ``'Potsdam'``.
        **kwargs: Passed to :class:`mmseg.datasets.PotsdamDataset` (``data_root``, ``data_prefix``, ...).
    """

    default_domain_name = 'Potsdam'


@DATASETS.register_module()
class VaihingenDomainDataset(DomainTagMixin, ISPRSDataset):
    """mmseg's :class:`~mmseg.datasets.ISPRSDataset` (ISPRS Vaihingen), every sample tagged ``'Vaihingen'``.

    Reads the layout of mmseg's ``tools/dataset_converters/vaihingen.py``; classes, palette and the ignored
    value 0 are mmseg's, the same as Potsdam's. Arguments as :class:`PotsdamDomainDataset`.
    """

    default_domain_name = 'Vaihingen'
