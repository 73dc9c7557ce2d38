"""A dataset whose every sample carries one domain name, for the per-domain metric and the UDA tools."""
import os.path as osp
from typing import List, Optional

from ._files import _preview

#: How many images without a mask the error names before "... (N in all)".
_NAMED = 5


class DomainTagMixin:
    """Put ``domain_name`` into every data info of an mmseg dataset; refuse an empty one or unpaired images.

    Mixed in before an mmseg dataset class (``class X(DomainTagMixin, PotsdamDataset)``): the listing is the
    dataset's own (folders, suffixes, ``reduce_zero_label``, ...); then :meth:`select` may narrow it, an empty
    result raises naming the image folder, and an image whose listed mask file is missing raises naming it.
    The ``domain`` key of every data info is what :class:`PackDomainSegInputs` hands to the metric.

    Args:
        domain_name (str, optional): The domain's name (metric keys ``<domain_name>/mIoU``). Defaults to the
            class's ``default_domain_name``.
        **kwargs: Passed to the dataset class.
    """

    default_domain_name: Optional[str] = None

    def __init__(self, *args, domain_name: Optional[str] = None, **kwargs) -> None:
        name = self.default_domain_name if domain_name is None else domain_name
        if not isinstance(name, str) or not name or '/' in name:
            raise ValueError(f'{type(self).__name__} needs domain_name=<a name without "/">, the name its samples '
                             f'are reported under (e.g. "<name>/mIoU"), got {name!r}')
        self.domain_name = name
        super().__init__(*args, **kwargs)

    def select(self, data_list: List[dict]) -> List[dict]:
        """The samples of the domain among those the dataset listed; all of them by default."""
        return data_list

    def selection_text(self) -> str:
        """How the samples were chosen, for the error on an empty selection."""
        return f'files ending with {self.img_suffix!r}'

    def load_data_list(self) -> List[dict]:
        img_dir = self.data_prefix.get('img_path') or self.data_root
        if not osp.isdir(img_dir):
            raise FileNotFoundError(f'{type(self).__name__} ({self.domain_name}): image folder not found: {img_dir}')
        ann_dir = self.data_prefix.get('seg_map_path')
        if ann_dir and not osp.isdir(ann_dir):
            raise FileNotFoundError(f'{type(self).__name__} ({self.domain_name}): mask folder not found: {ann_dir}')
        data_list = self.select(super().load_data_list())
        if not data_list:
            raise FileNotFoundError(f'{type(self).__name__} ({self.domain_name}): no images in {img_dir} '
                                    f'(searched recursively) match: {self.selection_text()}')
        unpaired = [info for info in data_list if 'seg_map_path' in info and not osp.isfile(info['seg_map_path'])]
        if unpaired:
            raise FileNotFoundError(
                f'{type(self).__name__} ({self.domain_name}): {len(unpaired)} of {len(data_list)} images have no '
                f'mask: ' + _preview([f'{info["img_path"]} (mask expected at {info["seg_map_path"]})'
                                      for info in unpaired], _NAMED))
        for info in data_list:
            info['domain'] = self.domain_name
        return data_list
