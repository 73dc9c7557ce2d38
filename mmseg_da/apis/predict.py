"""Prediction of image files and of a config's val/test dataset, with pictures drawn by mmseg's visualizer.

For every input ``<name>`` the :class:`Predictor` writes ``<name>_mask.png`` (an indexed PNG: viewers show
the dataset's palette colours, its raw values are the class indices), ``<name>_overlay.png`` (the prediction
over the image, drawn by :class:`~mmseg.visualization.SegLocalVisualizer`) and, where the input has ground
truth, ``<name>_compare.png`` (ground truth | prediction, both over the image).

mmseg's ``MMSegInferencer`` is not used: it builds its own model from the config and loads it non-strictly,
takes image files only (no dataset samples, so no ground truth to compare with) and names outputs by its own
counters; the loop here runs the strict :func:`init_segmentor` model on both kinds of input.
"""
import copy
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import mmcv
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import BaseDataset, Compose, pseudo_collate
from mmengine.structures import PixelData
from mmengine.utils import ProgressBar
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer
from PIL import Image
from torch import nn

from mmseg_da.config.inference_pipeline import inference_pipeline

from .init_segmentor import init_segmentor

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')
#: Smaller images are enlarged (nearest) before drawing, so that the visualizer's class names stay readable.
MIN_PICTURE_SIDE = 256
#: Opacity of the comparison pictures when overlays are turned off (``overlay=0``).
COMPARE_ALPHA = 0.5


def list_images(inputs: Sequence[str]) -> List[Path]:
    """Image files given directly or found in the given folders (not recursive), in order.

    Raises:
        FileNotFoundError: If an input does not exist or a folder holds no image.
    """
    images: List[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found = sorted(p for p in item.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise FileNotFoundError(f'no images ({", ".join(IMAGE_SUFFIXES)}) in folder {item}')
            images.extend(found)
        elif item.is_file():
            images.append(item)
        else:
            raise FileNotFoundError(f'input not found: {item}')
    return images


def unique_names(paths: Sequence[Path], names: Optional[Sequence[str]] = None) -> List[str]:
    """Output names, one per path: ``names`` (default: the file stems) made unique.

    Where several inputs share a name (e.g. ``Urban/images_png/0.png`` and ``Rural/images_png/0.png``), each
    is prefixed by the nearest parent folder that tells them apart (``Urban_0``, ``Rural_0``), else numbered.
    """
    paths = [Path(p).resolve() for p in paths]
    names = list(names) if names is not None else [p.stem for p in paths]
    groups: Dict[str, List[int]] = {}
    for index, stem in enumerate(names):
        groups.setdefault(stem, []).append(index)
    for stem, members in groups.items():
        if len(members) < 2:
            continue
        parents = [paths[i].parent.parts[::-1] for i in members]  # nearest folder first
        for level in range(min(len(p) for p in parents)):
            if len({p[level] for p in parents}) == len(members):
                for i, parts in zip(members, parents):
                    names[i] = f'{parts[level]}_{stem}'
                break
        else:  # the same file twice
            for k, i in enumerate(members):
                names[i] = f'{stem}_{k}'
    seen: Dict[str, int] = {}
    for index, name in enumerate(names):  # a renamed input may now meet a real stem
        if name in seen:
            names[index] = f'{name}_{index}'
        seen[name] = index
    return names


def build_split_dataset(cfg: Config, split: str) -> BaseDataset:
    """The dataset of ``cfg``'s ``<split>_dataloader``; image-only (no annotations) where it has no masks.

    Raises:
        ValueError: If the config has no such dataloader.
    """
    from mmseg.registry import DATASETS
    loader = f'{split}_dataloader'
    if not cfg.get(loader):
        raise ValueError(f'{cfg.filename} has no `{loader}` to predict the {split} split from')
    dataset_cfg = copy.deepcopy(cfg[loader]['dataset'])
    dataset = DATASETS.build(dataset_cfg)
    if len(dataset) and not dataset.get_data_info(0).get('seg_map_path'):  # e.g. LoveDA's Test split
        dataset_cfg['pipeline'] = inference_pipeline(cfg, with_annotations=False)
        dataset = DATASETS.build(dataset_cfg)
    return dataset


def save_indexed_mask(path: Path, labels: np.ndarray, palette: Sequence[Sequence[int]]) -> None:
    """Write class indices as an indexed PNG whose palette is the dataset's."""
    mask = Image.fromarray(labels.astype(np.uint8))  # mode L; putpalette makes it P
    mask.putpalette([int(v) for colour in palette for v in colour])
    mask.save(path)


def _resized(labels: PixelData, shape: Sequence[int]) -> PixelData:
    """Nearest-neighbour resize of a (1, H, W) label map to ``shape``."""
    data = labels.cpu().numpy().data[0].astype(np.uint8)
    if data.shape != tuple(shape):
        data = mmcv.imresize(data, (shape[1], shape[0]), interpolation='nearest')
    return PixelData(data=torch.from_numpy(data)[None])


class Predictor:
    """Predicts image files and dataset samples in batches and writes their masks and pictures.

    Args:
        model: An eval-mode segmentor with ``cfg`` and ``dataset_meta`` (as :func:`init_segmentor` returns).
        out_dir: Output folder, created if missing.
        overlay: Opacity of the prediction in ``<name>_overlay.png``, in [0, 1]; 0 writes no overlay.
        batch_size: Images per forward pass.
    """

    def __init__(self, model: nn.Module, out_dir: str, overlay: float = 0.5, batch_size: int = 1) -> None:
        meta = model.dataset_meta or {}
        if not meta.get('classes') or not meta.get('palette'):
            raise ValueError(f'no class names and palette for {model.cfg.filename}: neither the checkpoint\'s '
                             'meta nor the config\'s datasets define `classes` and `palette`')
        if len(meta['palette']) < len(meta['classes']):
            raise ValueError(f'the palette of {model.cfg.filename} has {len(meta["palette"])} colours for '
                             f'{len(meta["classes"])} classes')
        self.model = model
        self.classes = list(meta['classes'])
        self.palette = [tuple(int(v) for v in colour) for colour in meta['palette'][:len(self.classes)]]
        self.overlay = overlay
        self.batch_size = batch_size
        self.out = Path(out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.visualizer = SegLocalVisualizer(name='mmseg_da_predictor')
        # set after construction: SegLocalVisualizer.__init__ passes classes and palette in swapped order
        self.visualizer.dataset_meta = dict(classes=self.classes, palette=self.palette)
        self._items: List[Callable[[], dict]] = []
        self._paths: List[Path] = []
        self._names: List[str] = []
        self.written = 0

    def add_images(self, paths: Sequence[Path]) -> None:
        """Queue image files, read through the config's pipeline without annotations."""
        pipeline = Compose(inference_pipeline(self.model.cfg, with_annotations=False))
        self._items += [lambda p=p: pipeline(dict(img_path=str(p))) for p in paths]
        self._paths += list(paths)
        self._names += [Path(p).stem for p in paths]

    def add_dataset(self, dataset: BaseDataset, limit: Optional[int] = None) -> int:
        """Queue the first ``limit`` (default all) samples of ``dataset``; returns how many.

        Their names stay the same whatever ``limit``: the domain in front where the dataset tells it
        (``Urban_0``, ``Rural_0``).
        """
        count = len(dataset) if limit is None else min(limit, len(dataset))
        infos = [dataset.get_data_info(i) for i in range(count)]
        self._items += [lambda i=i: dataset[i] for i in range(count)]
        self._paths += [Path(info['img_path']) for info in infos]
        self._names += [f"{info['domain']}_{Path(info['img_path']).stem}" if info.get('domain') else
                        Path(info['img_path']).stem for info in infos]
        return count

    def run(self) -> int:
        """Predict everything queued, write each input's files and return how many masks were written."""
        names = unique_names(self._paths, self._names)
        bar = ProgressBar(len(self._items))
        for start in range(0, len(self._items), self.batch_size):
            batch = [load() for load in self._items[start:start + self.batch_size]]
            with torch.no_grad():
                results = self.model.test_step(pseudo_collate(batch))
            for result, name in zip(results, names[start:start + len(batch)]):
                self.write(result, name)
                bar.update()
        sys.stdout.write('\n')
        return self.written

    def write(self, result: SegDataSample, name: str) -> None:
        """Write ``<name>_mask.png``, ``<name>_overlay.png`` and, with ground truth, ``<name>_compare.png``."""
        save_indexed_mask(self.out / f'{name}_mask.png', result.pred_sem_seg.cpu().numpy().data[0], self.palette)
        self.written += 1
        image = mmcv.imread(result.img_path, channel_order='rgb')
        factor = -(-MIN_PICTURE_SIDE // max(1, min(image.shape[:2])))
        if factor > 1:
            image = mmcv.imrescale(image, factor, interpolation='nearest')
        sample = SegDataSample(pred_sem_seg=_resized(result.pred_sem_seg, image.shape[:2]))
        if self.overlay > 0:
            self._draw(f'{name}_overlay', image, sample, self.overlay, draw_gt=False)
        if 'gt_sem_seg' in result:
            sample.gt_sem_seg = _resized(result.gt_sem_seg, image.shape[:2])
            self._draw(f'{name}_compare', image, sample, self.overlay or COMPARE_ALPHA, draw_gt=True)

    def _draw(self, name: str, image: np.ndarray, sample: SegDataSample, alpha: float, draw_gt: bool) -> None:
        self.visualizer.alpha = alpha
        self.visualizer.add_datasample(name, image, sample, draw_gt=draw_gt, draw_pred=True,
                                       out_file=str(self.out / f'{name}.png'))


def predict(cfg: Config, checkpoint: str, out_dir: str, inputs: Sequence[str] = (), split: Optional[str] = None,
            limit: Optional[int] = None, overlay: float = 0.5, device: str = 'cpu', batch_size: int = 1) -> int:
    """Predict image files and/or a config's val/test dataset and write their masks and pictures.

    Args:
        cfg: Plain or adaptation config.
        checkpoint: Plain, exported or adaptation checkpoint, loaded strictly.
        out_dir: Output folder.
        inputs: Image files and folders of images.
        split: ``'val'`` or ``'test'``: also predict that dataloader's dataset (with ground truth where it
            has labels).
        limit: At most this many dataset images.
        overlay: Opacity of the overlays, in [0, 1]; 0 writes none.
        device: Where to run the model.
        batch_size: Images per forward pass.

    Returns:
        The number of masks written.
    """
    images = list_images(inputs)  # a wrong input fails before the model is built
    predictor = Predictor(init_segmentor(cfg, checkpoint, device), out_dir, overlay, batch_size)
    if images:
        predictor.add_images(images)
        print(f'{len(images)} image(s) from {len(inputs)} input(s)')
    if split:
        dataset = build_split_dataset(predictor.model.cfg, split)
        count = predictor.add_dataset(dataset, limit)
        if count == 0:
            raise ValueError(f'the {split} dataset of {cfg.filename} is empty')
        print(f'{count} of {len(dataset)} image(s) of the {split} dataset')
    written = predictor.run()
    print(f'wrote {written} mask(s) to {predictor.out}')
    return written
