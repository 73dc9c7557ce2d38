"""CamVid (SegNet layout, 11 classes) split into its day and dusk sequences."""
from pathlib import Path, PurePosixPath
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from mmseg_da.fileio.required_paths import require_dir, require_file

# A frame's domain is told by its sequence, the prefix of its file name.
CAMVID_DOMAINS: Dict[str, Tuple[str, ...]] = {
    'day': ('0006R0', '0016E5', 'Seq05VD'),
    'dusk': ('0001TP', ),
}
CAMVID_UNLABELLED = 11
CAMVID_LAYOUT = ('<data_root>/{train,val,test}.txt (lines "<dir>/<name>.png <dir>annot/<name>.png", any '
                 'leading path such as /SegNet/CamVid/ is ignored) with <data_root>/{train,trainannot,val,'
                 'valannot,...}/<name>.png, as in the SegNet tutorial')


def _check_time_block(block: Sequence[float]) -> Tuple[float, float]:
    if len(block) != 2 or not 0 <= block[0] < block[1] <= 1:
        raise ValueError(f'time_block must be (start, end) with 0 <= start < end <= 1, got {block!r}')
    return float(block[0]), float(block[1])


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

    Held-out protocols select frames further: by ``sequences`` (e.g. train on 0016E5, validate on the
    unseen day sequence 0006R0) and by ``time_block``, a fraction of each sequence's time-ordered
    frames (adjacent video frames are near-duplicates, so a held-out block is contiguous in time, never
    drawn at random). ``domain_name`` renames the reported domain, so that one evaluation can score
    ``dusk_adapt`` and ``dusk_heldout`` separately.

    Args:
        data_root (str): The CamVid folder (list files and image/annotation folders).
        split (str | Sequence[str]): Name(s) of the list file(s) without ``.txt`` (``'train'``, ``'val'``).
        domain (str | Sequence[str]): ``'day'``, ``'dusk'`` or both. Defaults to both.
        sequences (Sequence[str], optional): Keep only frames of these sequences (file-name prefixes).
        time_block (tuple[float, float], optional): ``(start, end)`` fractions in [0, 1]: keep the frames
            of each sequence whose time-ordered position ``i / n`` lies in ``[start, end)``.
        domain_name (str, optional): The ``domain`` written into every data info (and so the name the
            metric reports). Defaults to the frame's own domain.
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
                 sequences: Optional[Sequence[str]] = None,
                 time_block: Optional[Sequence[float]] = None,
                 domain_name: Optional[str] = None,
                 **kwargs) -> None:
        domains = (domain, ) if isinstance(domain, str) else tuple(domain)
        if not domains:
            raise ValueError('CamVidDomainDataset needs at least one domain, got an empty list')
        unknown = [d for d in domains if d not in CAMVID_DOMAINS]
        if unknown:
            raise ValueError(f'unknown CamVid domain(s) {unknown}; expected some of {list(CAMVID_DOMAINS)}')
        self.splits = (split, ) if isinstance(split, str) else tuple(split)
        self.split = split
        self.domains = tuple(dict.fromkeys(domains))
        self.sequences = None if sequences is None else tuple(sequences)
        self.time_block = None if time_block is None else _check_time_block(time_block)
        self.domain_name = domain_name
        kwargs.setdefault('img_suffix', '.png')
        kwargs.setdefault('seg_map_suffix', '.png')
        kwargs.setdefault('reduce_zero_label', False)
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the split's list file(s), keep the selected frames, check that the files exist."""
        if self.data_root is None:
            raise ValueError(f'CamVidDomainDataset needs a data_root; expected layout: {CAMVID_LAYOUT}')
        root = require_dir(self.data_root, 'CamVid data root', CAMVID_LAYOUT)
        label_map = dict(self.label_map or {})
        label_map[CAMVID_UNLABELLED] = self.ignore_index
        data_list = []
        for split in self.splits:
            list_file = require_file(root / f'{split}.txt', f'CamVid list file of split {split!r}',
                                     f'Expected layout: {CAMVID_LAYOUT}')
            for line_no, line in enumerate(list_file.read_text().splitlines(), 1):
                if not line.strip():
                    continue
                img_rel, seg_rel = self._parse_line(line, list_file, line_no)
                domain = domain_of(img_rel.name)
                if domain not in self.domains or not self._in_sequences(img_rel.name):
                    continue
                img_path = require_file(root / img_rel, f'CamVid image (line {line_no} of {list_file})')
                seg_path = require_file(root / seg_rel,
                                        f'CamVid mask of {img_path} (line {line_no} of {list_file})')
                data_list.append(
                    dict(img_path=str(img_path), seg_map_path=str(seg_path), domain=domain, label_map=label_map,
                         reduce_zero_label=self.reduce_zero_label, seg_fields=[]))
        lists = ', '.join(str(root / f'{split}.txt') for split in self.splits)
        for domain in self.domains:
            if not any(info['domain'] == domain for info in data_list):
                raise FileNotFoundError(
                    f'no CamVid frames of domain {domain!r} (file prefixes {CAMVID_DOMAINS[domain]}'
                    + (f', sequences {list(self.sequences)}' if self.sequences else '') + f') in {lists}')
        if self.time_block is not None:
            data_list = self._select_time_block(data_list, lists)
        if self.domain_name is not None:
            for info in data_list:
                info['domain'] = self.domain_name
        return data_list

    def _in_sequences(self, name: str) -> bool:
        return self.sequences is None or name.startswith(self.sequences)

    def _select_time_block(self, data_list: List[dict], lists: str) -> List[dict]:
        """The frames whose position in their sequence's time order lies in ``[start, end)``."""
        start, end = self.time_block
        by_sequence: Dict[str, List[dict]] = {}
        for info in data_list:
            by_sequence.setdefault(Path(info['img_path']).name.split('_')[0], []).append(info)
        kept = []
        for sequence, infos in by_sequence.items():
            infos = sorted(infos, key=lambda info: Path(info['img_path']).name)
            block = [info for i, info in enumerate(infos) if start <= i / len(infos) < end]
            if not block:
                raise FileNotFoundError(f'time_block {list(self.time_block)} keeps none of the {len(infos)} '
                                        f'frames of sequence {sequence} in {lists}')
            kept.extend(block)
        return kept

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
