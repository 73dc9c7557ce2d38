"""Predict images with a trained segmentor and write coloured masks, overlays and comparisons.

Examples::

    # files and folders of images
    python tools/predict.py configs/pidnet_s_urban.py work_dirs/pidnet_s_urban/iter_4000.pth \\
        demo/a.png data/loveDA/Val/Rural/images_png --out preds/
    # the config's test (or val) dataset, e.g. LoveDA Val of both domains; with labels, also compare pictures
    python tools/predict.py configs/pidnet_s_urban2rural_adv_single.py work_dirs/.../best.pth \\
        --dataset-split test --limit 20 --out preds/ --device cpu
    # LoveDA's unlabelled Test split through the same config
    python tools/predict.py CONFIG CKPT --dataset-split test \\
        --cfg-options test_dataloader.dataset.split=Test --out preds/

For every input ``<name>`` it writes ``<name>_mask.png`` (an indexed PNG: viewers show the dataset's
palette colours, its raw values are the class indices), ``<name>_overlay.png`` (the colours blended
over the image, opacity ``--overlay``; 0 turns it off) and, where ground truth is available (dataset
inputs with labels), ``<name>_compare.png`` (image | ground truth | prediction, with a legend).
Adaptation checkpoints work as they are: the model is reduced to its deployable segmentor.
"""
import argparse
import copy
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import mmcv
import numpy as np
import torch
from mmengine.config import DictAction
from mmengine.dataset import Compose, pseudo_collate
from mmengine.utils import ProgressBar
from PIL import Image

from mmseg_da.utils.cli import clear_errors, require_file
from mmseg_da.utils.inference import inference_pipeline, load_deployable_segmentor
from mmseg_da.utils.visualize import (colorize, enlarge, legend, overlay, palette_array, resize_labels,
                                      side_by_side)

#: Tiny images are enlarged (nearest) in the comparison picture so that its captions stay readable.
COMPARE_MIN_SIDE = 256
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Predict images and write coloured masks and overlays')
    parser.add_argument('config', help='config file (plain or adaptation)')
    parser.add_argument('checkpoint', help='checkpoint file (plain, adaptation or exported segmentor)')
    parser.add_argument('inputs', nargs='*', help='image files and/or folders of images')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--dataset-split', choices=['val', 'test'],
                        help="predict the config's val_dataloader or test_dataloader dataset (with ground "
                        'truth where it has labels)')
    parser.add_argument('--limit', type=int, default=None, help='at most this many dataset images')
    parser.add_argument('--overlay', type=float, default=0.5,
                        help='opacity of the mask in <name>_overlay.png, in [0, 1]; 0 writes no overlay')
    parser.add_argument('--device', default='cuda:0' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--batch-size', type=int, default=1, help='images per forward pass')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    args = parser.parse_args(argv)
    if not args.inputs and not args.dataset_split:
        parser.error('give image files/folders as INPUT, or --dataset-split val|test')
    if not 0.0 <= args.overlay <= 1.0:
        parser.error(f'--overlay must lie in [0, 1], got {args.overlay}')
    if args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}')
    if args.limit is not None and args.limit < 1:
        parser.error(f'--limit must be >= 1, got {args.limit}')
    return args


def list_images(inputs: Sequence[str]) -> List[Path]:
    """Image files given directly or found in the given folders (not recursive), in order."""
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
    """Output names: ``names`` (default: the file stems); where several inputs share one (e.g.
    ``Urban/images_png/0.png`` and ``Rural/images_png/0.png``), prefixed by the nearest parent folder
    that tells them apart (``Urban_0``, ``Rural_0``), else numbered."""
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


class Predictor:
    """The deployable segmentor plus the writing of its pictures."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.model = load_deployable_segmentor(args.config, args.checkpoint, args.device, args.cfg_options)
        self.cfg = self.model.cfg
        self.classes = list(self.model.dataset_meta['classes'])
        self.palette = palette_array(self.model.dataset_meta['palette'], len(self.classes))
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.written = 0

    def dataset(self):
        """The config's val/test dataset; image-only (predict pipeline) where the split has no masks."""
        from mmseg.registry import DATASETS
        loader = f'{self.args.dataset_split}_dataloader'
        if not self.cfg.get(loader):
            raise ValueError(f'the config has no `{loader}` for --dataset-split {self.args.dataset_split}')
        dataset_cfg = copy.deepcopy(self.cfg[loader]['dataset'])
        dataset = DATASETS.build(dataset_cfg)
        if len(dataset) and not dataset.get_data_info(0).get('seg_map_path'):  # e.g. LoveDA Test
            dataset_cfg['pipeline'] = inference_pipeline(self.cfg, with_annotations=False)
            dataset = DATASETS.build(dataset_cfg)
        return dataset

    def run_items(self, items: list, names: List[str]) -> None:
        """Predict packed samples in batches and write each one's pictures."""
        bar = ProgressBar(len(items))
        for start in range(0, len(items), self.args.batch_size):
            batch = items[start:start + self.args.batch_size]
            with torch.no_grad():
                results = self.model.test_step(pseudo_collate([item() for item in batch]))
            for result, name in zip(results, names[start:start + len(batch)]):
                self.write(result, name)
                bar.update()
        sys.stdout.write('\n')

    def write(self, result, name: str) -> None:
        """Write ``<name>_mask.png``, ``<name>_overlay.png`` and, with labels, ``<name>_compare.png``."""
        pred = result.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)
        mask = Image.fromarray(pred)  # mode L; putpalette makes it P
        mask.putpalette(self.palette.flatten().tolist())
        mask.save(self.out / f'{name}_mask.png')
        self.written += 1

        image = mmcv.imread(result.img_path, channel_order='rgb')
        colour_pred = colorize(resize_labels(pred, image.shape[:2]), self.palette)
        if self.args.overlay > 0:
            mmcv.imwrite(overlay(image, colour_pred, self.args.overlay)[..., ::-1],
                         str(self.out / f'{name}_overlay.png'))
        if 'gt_sem_seg' in result:
            gt = result.gt_sem_seg.data[0].cpu().numpy()
            colour_gt = colorize(resize_labels(gt, image.shape[:2]), self.palette)
            panels = [enlarge(p, COMPARE_MIN_SIDE) for p in (image, colour_gt, colour_pred)]
            picture = side_by_side(panels, ['image', 'ground truth', 'prediction'], gap=8)
            picture = np.concatenate([picture, legend(self.classes, self.palette, picture.shape[1])], axis=0)
            mmcv.imwrite(picture[..., ::-1], str(self.out / f'{name}_compare.png'))


def predict(args: argparse.Namespace) -> int:
    require_file(args.checkpoint, 'checkpoint file')  # fail on a bad path before building the model
    images = list_images(args.inputs)
    predictor = Predictor(args)
    paths: List[Path] = list(images)
    names = [p.stem for p in images]
    items: list = []
    if images:
        pipeline = Compose(inference_pipeline(predictor.cfg, with_annotations=False))
        items += [lambda p=p: pipeline(dict(img_path=str(p))) for p in images]
        print(f'{len(images)} image(s) from {len(args.inputs)} input(s)')
    if args.dataset_split:
        dataset = predictor.dataset()
        count = len(dataset) if args.limit is None else min(args.limit, len(dataset))
        if count == 0:
            raise ValueError(f'the {args.dataset_split} dataset of {args.config} is empty')
        infos = [dataset.get_data_info(i) for i in range(count)]
        paths += [Path(info['img_path']) for info in infos]
        # stable names whatever --limit: the domain in front where the dataset tells it (Urban_0, Rural_0)
        names += [f"{info['domain']}_{Path(info['img_path']).stem}" if info.get('domain') else
                  Path(info['img_path']).stem for info in infos]
        items += [lambda i=i: dataset[i] for i in range(count)]
        print(f'{count} of {len(dataset)} image(s) of the {args.dataset_split} dataset')
    predictor.run_items(items, unique_names(paths, names))
    print(f'wrote {predictor.written} mask(s) to {predictor.out}')
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    with clear_errors('predict.py'):
        return predict(args)


if __name__ == '__main__':
    sys.exit(main())
