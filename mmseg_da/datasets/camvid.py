"""CamVid (SegNet layout, 11 classes) split into its day and dusk sequences."""
from pathlib import Path, PurePosixPath
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from ._files import require_dir, require_file

# A frame's domain is told by its sequence, the prefix of its file name.
CAMVID_DOMAINS: Dict[str, Tuple[str, ...]] = {
    'day': ('0006R0', '0016E5', 'Seq05VD'),
    'dusk': ('0001TP', ),
}
CAMVID_UNLABELLED = 11
CAMVID_LAYOUT = ('<data_root>/{train,val,test}.txt (lines "<dir>/<name>.png <dir>annot/<name>.png", any '
                 'leading path such as /SegNet/CamVid/ is ignored) with <data_root>/{train,trainannot,val,'
                 'valannot,...}/<name>.png, as in the SegNet tutorial')


def domain_of(name: str) -> Optional[str]:
    """The CamVid domain of a file name (``'day'``/``'dusk'``), or None for an unknown sequence."""
    for domain, prefixes in CAMVID_DOMAINS.items():
        if name.startswith(prefixes):
            return domain
    return None


@DATASETS.register_module()
class CamVidDomainDataset(BaseSegDataset):
    """CamVid at 360x480 (SegNet tutorial layout) with ``day`` and ``dusk`` domains.

    The frames of a ``split`` are those of its list file (``train.txt``, ``val.txt``); a frame's domain
    is given by its sequence prefix (day: 0006R0, 0016E5, Seq05VD; dusk: 0001TP). Masks hold the class
    indices 0..10; 11 (unlabelled) is mapped to the ignore index 255 through the data info's
    ``label_map``, so the plain ``LoadAnnotations`` applies it. Every data info holds its ``domain``.

    Args:
        data_root (str): The CamVid folder (list files and image/annotation folders).
        split (str): Name of the list file without ``.txt`` (``'train'``, ``'val'``, ``'test'``).
        domain (str | Sequence[str]): ``'day'``, ``'dusk'`` or both. Defaults to both.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`.

    Raises:
        FileNotFoundError: A missing data root, list file, image or mask, or a domain without frames.
        ValueError: An unknown domain or a malformed list line.
    """

    METAINFO = dict(
        classes=('sky', 'building', 'pole', 'road', 'pavement', 'tree', 'signsymbol', 'fence', 'car',
                 'pedestrian', 'bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [60, 40, 222],
                 [128, 128, 0], [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0], [0, 128, 192]])

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 domain: Union[str, Sequence[str]] = tuple(CAMVID_DOMAINS),
                 **kwargs) -> None:
        domains = (domain, ) if isinstance(domain, str) else tuple(domain)
        if not domains:
            raise ValueError('CamVidDomainDataset needs at least one domain, got an empty list')
        unknown = [d for d in domains if d not in CAMVID_DOMAINS]
        if unknown:
            raise ValueError(f'unknown CamVid domain(s) {unknown}; expected some of {list(CAMVID_DOMAINS)}')
        self.split = split
        self.domains = tuple(dict.fromkeys(domains))
        kwargs.setdefault('img_suffix', '.png')
        kwargs.setdefault('seg_map_suffix', '.png')
        kwargs.setdefault('reduce_zero_label', False)
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read ``{split}.txt``, keep the frames of the requested domains, check that the files exist."""
        if self.data_root is None:
            raise ValueError(f'CamVidDomainDataset needs a data_root; expected layout: {CAMVID_LAYOUT}')
        root = require_dir(self.data_root, 'CamVid data root', CAMVID_LAYOUT)
        list_file = require_file(root / f'{self.split}.txt', f'CamVid list file of split {self.split!r}',
                                 f'Expected layout: {CAMVID_LAYOUT}')
        label_map = dict(self.label_map or {})
        label_map[CAMVID_UNLABELLED] = self.ignore_index
        data_list = []
        for line_no, line in enumerate(list_file.read_text().splitlines(), 1):
            if not line.strip():
                continue
            img_rel, seg_rel = self._parse_line(line, list_file, line_no)
            domain = domain_of(img_rel.name)
            if domain not in self.domains:
                continue
            img_path = require_file(root / img_rel, f'CamVid image (line {line_no} of {list_file})')
            seg_path = require_file(root / seg_rel, f'CamVid mask of {img_path} (line {line_no} of {list_file})')
            data_list.append(
                dict(img_path=str(img_path), seg_map_path=str(seg_path), domain=domain, label_map=label_map,
                     reduce_zero_label=self.reduce_zero_label, seg_fields=[]))
        for domain in self.domains:
            if not any(info['domain'] == domain for info in data_list):
                raise FileNotFoundError(
                    f'no CamVid frames of domain {domain!r} (file prefixes {CAMVID_DOMAINS[domain]}) in '
                    f'{list_file}')
        return data_list

    def _parse_line(self, line: str, list_file: Path, line_no: int) -> Tuple[Path, Path]:
        """``'/SegNet/CamVid/train/x.png /SegNet/CamVid/trainannot/x.png'`` -> (train/x.png, trainannot/x.png)."""
        parts = line.split()
        if len(parts) == 1:  # an image-only list: the mask sits in the matching 'annot' folder
            img = PurePosixPath(parts[0])
            seg = PurePosixPath(img.parent.name + 'annot') / (img.name[:-len(self.img_suffix)] +
                                                               self.seg_map_suffix)
            parts = [str(img), str(seg)]
        if len(parts) != 2:
            raise ValueError(f'line {line_no} of {list_file} is not "<image> <mask>": {line!r}')
        img, seg = (PurePosixPath(p) for p in parts)
        return Path(*img.parts[-2:]), Path(*seg.parts[-2:])
