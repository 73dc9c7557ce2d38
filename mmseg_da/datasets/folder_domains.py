"""Your own domains: images and masks in plain folders, a domain per sub-folder or per file-name pattern."""
import fnmatch
import os.path as osp
from typing import List, Optional, Sequence

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .domain_tag import DomainTagMixin

FOLDER_LAYOUT = ('<data_root>/<img_dir>/[<domain>/]<name><img_suffix>, and for labelled data '
                 '<data_root>/<ann_dir>/[<domain>/]<name><seg_map_suffix> (the same relative <name>)')


def check_classes(classes: Sequence[str], palette: Optional[Sequence[Sequence[int]]]) -> None:
    """Raise a ValueError naming the problem with a class list or its palette."""
    if isinstance(classes, str) or not classes:
        raise ValueError(f'classes must be a non-empty list of class names, got {classes!r}')
    repeated = sorted({c for c in classes if list(classes).count(c) > 1})
    if repeated:
        raise ValueError(f'classes must be unique, but {repeated} appear more than once in {list(classes)}')
    if palette is None:
        return
    if len(palette) != len(classes):
        raise ValueError(f'the palette has {len(palette)} colours but there are {len(classes)} classes '
                         f'{list(classes)}: give one [R, G, B] per class, in the same order')
    for name, colour in zip(classes, palette):
        if (isinstance(colour, str) or len(colour) != 3
                or not all(isinstance(v, int) and 0 <= v <= 255 for v in colour)):
            raise ValueError(f'the palette colour of class {name!r} must be [R, G, B] with integers 0..255, '
                             f'got {colour!r}')


@DATASETS.register_module()
class FolderDomainDataset(DomainTagMixin, BaseSegDataset):
    """One domain of your own data: image files (and, if labelled, mask files) under plain folders.

    The domain is chosen in one of two ways:

    * a sub-folder: ``domain='rainy'`` reads ``<data_root>/<img_dir>/rainy/`` (and ``<ann_dir>/rainy/``);
    * a file-name pattern: ``pattern='rainy_*'`` keeps the files of ``<data_root>/<img_dir>/`` whose name
      (not path) matches the glob (``fnmatch``, case-sensitive); both domains may then share one folder.

    Folders are searched recursively, as mmseg's ``BaseSegDataset`` does. A mask is the image's relative
    path with ``seg_map_suffix`` under the mask folder; it holds one class index per pixel (0..N-1, 255
    ignored), or 1..N with 0 ignored under ``reduce_zero_label=True``. Without ``ann_dir`` the samples are
    image-only (an unlabelled target domain). Every data info holds ``domain`` = ``domain_name``, the name
    the per-domain metric reports.

    Args:
        data_root (str): The folder holding ``img_dir`` and ``ann_dir``.
        classes (Sequence[str]): The class names, in mask-value order.
        palette (Sequence[Sequence[int]], optional): One ``[R, G, B]`` per class, for pictures. Defaults to
            mmseg's random palette.
        img_dir (str): Image folder, relative to ``data_root`` (may include a split: ``'images/train'``).
        ann_dir (str, optional): Mask folder, relative to ``data_root``; None for unlabelled images.
        domain (str, optional): Sub-folder of ``img_dir`` (and ``ann_dir``) holding this domain.
        pattern (str, optional): Glob on file names selecting this domain's images.
        domain_name (str, optional): Name of the domain in metrics and logs. Defaults to ``domain``; needed
            when the domain is chosen by ``pattern`` alone.
        img_suffix (str): Image file ending. Defaults to ``'.png'``.
        seg_map_suffix (str): Mask file ending. Defaults to ``'.png'``.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset` (``pipeline``, ``reduce_zero_label``,
            ``ignore_index``, ...).

    Raises:
        FileNotFoundError: A missing folder, a selection without images (naming the folder and pattern), an
            image without its mask (naming both paths).
        ValueError: Missing or repeated classes, a palette that does not match them, no domain name.
    """

    def __init__(self,
                 data_root: str,
                 classes: Sequence[str] = (),
                 palette: Optional[Sequence[Sequence[int]]] = None,
                 img_dir: str = 'images',
                 ann_dir: Optional[str] = None,
                 domain: Optional[str] = None,
                 pattern: Optional[str] = None,
                 domain_name: Optional[str] = None,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 **kwargs) -> None:
        metainfo = dict(kwargs.pop('metainfo', None) or {})
        classes = classes or metainfo.get('classes')
        palette = palette if palette is not None else metainfo.get('palette')
        check_classes(classes, palette)
        metainfo.update(classes=tuple(classes))
        if palette is not None:
            metainfo['palette'] = [list(colour) for colour in palette]
        if domain_name is None and domain is None:
            raise ValueError('FolderDomainDataset needs domain_name=<name> when the domain is not a sub-folder '
                             f'(domain=None, pattern={pattern!r}): it names the domain in the metrics')
        self.domain = domain
        self.pattern = pattern
        sub = (domain, ) if domain else ()
        prefix = dict(img_path=osp.join(img_dir, *sub))
        if ann_dir is not None:
            prefix['seg_map_path'] = osp.join(ann_dir, *sub)
        super().__init__(data_root=data_root, data_prefix=prefix, metainfo=metainfo, img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix, domain_name=domain_name or domain, **kwargs)

    def select(self, data_list: List[dict]) -> List[dict]:
        """The images whose file name matches ``pattern`` (all of them without one)."""
        if self.pattern is None:
            return data_list
        return [info for info in data_list if fnmatch.fnmatchcase(osp.basename(info['img_path']), self.pattern)]

    def selection_text(self) -> str:
        text = super().selection_text()
        return text + (f' and names matching pattern {self.pattern!r}' if self.pattern else '')
