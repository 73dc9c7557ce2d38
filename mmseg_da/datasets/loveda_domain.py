"""LoveDA read by split and domain, straight from the dataset's original folder layout."""
from pathlib import Path
from typing import List, Sequence, Tuple, Union

from mmseg.datasets import LoveDADataset
from mmseg.registry import DATASETS

from mmseg_da.fileio.required_paths import require_dir

from ._files import check_pairs, list_stems

LOVEDA_SPLITS = ('Train', 'Val', 'Test')
LOVEDA_DOMAINS = ('Urban', 'Rural')
LOVEDA_LAYOUT = ('<data_root>/{Train,Val,Test}/{Urban,Rural}/{images_png,masks_png}/<id>.png '
                 '(Test has images_png only)')
LOVEDA_SOURCE = ('LoveDA comes from Zenodo record 5706578 (https://zenodo.org/records/5706578): download '
                 'Train.zip, Val.zip and Test.zip and unpack them under data/loveDA.')


def _pick(value: str, known: Sequence[str], what: str) -> str:
    """Match ``value`` case-insensitively against ``known``; ValueError listing them otherwise."""
    for name in known:
        if str(value).lower() == name.lower():
            return name
    raise ValueError(f'unknown LoveDA {what} {value!r}; expected one of {list(known)}')


def _as_tuple(domain: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    return (domain, ) if isinstance(domain, str) else tuple(domain)


@DATASETS.register_module()
class LoveDADomainDataset(LoveDADataset):
    """LoveDA by ``split`` and ``domain``, read from LoveDA's own layout without a conversion step.

    Labels are mmseg's :class:`LoveDADataset` labels: with the dataset's ``reduce_zero_label=True`` (mmseg's
    LoveDA default, which a plain ``LoadAnnotations()`` follows) mask value 0 (no-data) becomes the ignore
    index 255 and 1..7 become the classes 0..6 (background, building, road, water, barren, forest,
    agricultural). Every sample's data info holds
    its ``domain`` (``'Urban'`` or ``'Rural'``), which :class:`PackDomainSegInputs` puts in the metainfo.
    The ``Test`` split has no masks: its samples carry images only.

    Args:
        data_root (str): The folder holding ``Train``, ``Val`` and ``Test`` (e.g. ``data/loveDA``).
        split (str): ``'Train'``, ``'Val'`` or ``'Test'`` (case-insensitive).
        domain (str | Sequence[str]): ``'Urban'``, ``'Rural'`` or both. Defaults to both.
        **kwargs: Passed to :class:`mmseg.datasets.LoveDADataset` (``pipeline``, ``test_mode``, ...).

    Raises:
        FileNotFoundError: A missing data root, split or domain folder (the message names the expected
            path and layout, and where LoveDA comes from), an empty domain, or an image without its mask
            (or the reverse).
        ValueError: An unknown split or domain name.
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'Train',
                 domain: Union[str, Sequence[str]] = LOVEDA_DOMAINS,
                 **kwargs) -> None:
        self.split = _pick(split, LOVEDA_SPLITS, 'split')
        domains = _as_tuple(domain)
        if not domains:
            raise ValueError('LoveDADomainDataset needs at least one domain, got an empty list')
        self.domains = tuple(dict.fromkeys(_pick(d, LOVEDA_DOMAINS, 'domain') for d in domains))
        super().__init__(data_root=data_root, **kwargs)

    @property
    def has_masks(self) -> bool:
        """Whether this split comes with masks (LoveDA's Test split does not)."""
        return self.split != 'Test'

    def load_data_list(self) -> List[dict]:
        """List ``{split}/{domain}/images_png`` (and the paired ``masks_png``) for every domain asked for."""
        if self.data_root is None:
            raise ValueError(f'LoveDADomainDataset needs a data_root; expected layout: {LOVEDA_LAYOUT}')
        root = require_dir(self.data_root, 'LoveDA data root', LOVEDA_LAYOUT, LOVEDA_SOURCE)
        split_dir = require_dir(root / self.split, f'LoveDA split folder {self.split!r}', LOVEDA_LAYOUT,
                                LOVEDA_SOURCE)
        data_list = []
        for domain in self.domains:
            data_list.extend(self._load_domain(split_dir, domain))
        return data_list

    def _load_domain(self, split_dir: Path, domain: str) -> List[dict]:
        what = f'LoveDA {self.split}/{domain}'
        domain_dir = require_dir(split_dir / domain, f'{what} folder', LOVEDA_LAYOUT, LOVEDA_SOURCE)
        img_dir = require_dir(domain_dir / 'images_png', f'{what} image folder', LOVEDA_LAYOUT, LOVEDA_SOURCE)
        stems = list_stems(img_dir, self.img_suffix)
        if not stems:
            raise FileNotFoundError(f'{what} is empty: no *{self.img_suffix} images in {img_dir}')
        mask_dir = None
        if self.has_masks:
            mask_dir = require_dir(domain_dir / 'masks_png', f'{what} mask folder', LOVEDA_LAYOUT,
                                   LOVEDA_SOURCE)
            check_pairs(img_dir, stems, mask_dir, list_stems(mask_dir, self.seg_map_suffix),
                        self.seg_map_suffix)
        infos = []
        for stem in stems:
            info = dict(img_path=str(img_dir / (stem + self.img_suffix)), domain=domain,
                        label_map=self.label_map, reduce_zero_label=self.reduce_zero_label, seg_fields=[])
            if mask_dir is not None:
                info['seg_map_path'] = str(mask_dir / (stem + self.seg_map_suffix))
            infos.append(info)
        return infos
