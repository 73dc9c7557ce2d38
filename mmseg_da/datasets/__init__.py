"""Registered on import."""
from . import transforms  # noqa: F401
from .camvid import CamVidDomainDataset  # noqa: F401
from .folder_domains import FolderDomainDataset  # noqa: F401
from .gta5 import GTA5Dataset, LoadGTA5Annotations  # noqa: F401
from .isprs_domain import PotsdamDomainDataset, VaihingenDomainDataset  # noqa: F401
from .loveda_domain import LoveDADomainDataset  # noqa: F401
from .pseudo_label import PseudoLabelDataset  # noqa: F401
from .uda_dataset import UDADataset  # noqa: F401
