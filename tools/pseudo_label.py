"""Pseudo-label the target training images of a config with a trained (teacher) checkpoint.

Examples::

    # keep pixels whose max softmax probability is at least 0.9
    python tools/pseudo_label.py configs/camvid_day2dusk_pseudo_label.py \\
        work_dirs/source_only/iter_1000.pth --out work_dirs/pl_dusk --threshold 0.9
    # class-balanced: in every class, ignore the least confident 50 % of its predicted pixels
    python tools/pseudo_label.py CONFIG CKPT --out DIR --class-percentile 50

The target images are those of the config's training set: the ``target`` of a ``UDADataset``, or the
wrapped dataset of a ``PseudoLabelDataset`` (so a student config names its own teacher's images). They
go through the config's test pipeline without annotations. For image ``<img_dir>/<rel>.<ext>`` the tool
writes ``DIR/<rel>.png``: a single-channel PNG of train ids at the image's size, low-confidence pixels
255 (ignored); ``PseudoLabelDataset(dataset=<same target>, label_dir=DIR)`` reads them back. It prints
a per-class confidence summary and writes it to ``DIR/summary.json``.
"""
import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import DictAction
from mmengine.dataset import pseudo_collate
from mmengine.utils import ProgressBar
from PIL import Image

from mmseg_da.datasets.pseudo_label import pseudo_label_name
from mmseg_da.utils.cli import clear_errors, load_config
from mmseg_da.utils.inference import inference_pipeline, load_deployable_segmentor

IGNORE_INDEX = 255
N_BINS = 10000  # confidence histogram bins for --class-percentile


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Write pseudo-labels for the target training images')
    parser.add_argument('config', help='config whose training set has a target domain')
    parser.add_argument('checkpoint', help='teacher checkpoint (plain, adaptation or exported segmentor)')
    parser.add_argument('--out', required=True, help='output folder of the label PNGs and summary.json')
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument('--threshold', type=float, default=None,
                      help='ignore pixels whose confidence is below this value, in (0, 1) (default 0.9)')
    mode.add_argument('--class-percentile', type=float, default=None, metavar='P',
                      help='per class, ignore the pixels below the P-th percentile of its confidences, '
                      'P in [0, 100)')
    parser.add_argument('--device', default='cuda:0' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--batch-size', type=int, default=1, help='images per forward pass')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    args = parser.parse_args(argv)
    if args.class_percentile is None and args.threshold is None:
        args.threshold = 0.9
    if args.threshold is not None and not 0 < args.threshold < 1:
        parser.error(f'--threshold must lie in (0, 1), got {args.threshold}')
    if args.class_percentile is not None and not 0 <= args.class_percentile < 100:
        parser.error(f'--class-percentile must lie in [0, 100), got {args.class_percentile}')
    if args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}')
    return args


def find_target_dataset(node) -> Optional[dict]:
    """The target dataset config inside a training-set config (UDADataset / PseudoLabelDataset / wrappers)."""
    if isinstance(node, (list, tuple)):
        for item in node:
            found = find_target_dataset(item)
            if found is not None:
                return found
        return None
    if not isinstance(node, dict):
        return None
    if node.get('type') == 'UDADataset':
        return node['target']
    if node.get('type') == 'PseudoLabelDataset':
        return node['dataset']
    return find_target_dataset(node.get('dataset')) or find_target_dataset(node.get('datasets'))


def target_dataset_config(cfg) -> dict:
    """The config's target training set, with its test pipeline without annotations."""
    train_set = (cfg.get('train_dataloader') or {}).get('dataset')
    target = find_target_dataset(train_set)
    if target is None:
        raise ValueError('the config\'s train_dataloader.dataset has no target domain: expected a '
                         '`UDADataset` (its `target`) or a `PseudoLabelDataset` (its `dataset`), got '
                         f'{(train_set or {}).get("type")!r}')
    return dict(target, pipeline=inference_pipeline(cfg, with_annotations=False))


def build_target_dataset(target: dict):
    """Build the target dataset; it must hold images."""
    from mmseg.registry import DATASETS
    dataset = DATASETS.build(target)
    if len(dataset) == 0:
        raise ValueError(f'the target dataset ({target.get("type")}) of the config is empty')
    return dataset


def confidence_and_labels(result) -> tuple:
    """Max-softmax confidence and arg-max labels ``(H, W)`` of one prediction, as numpy arrays."""
    logits = result.seg_logits.data.float()
    if logits.shape[0] < 2:
        raise ValueError('pseudo-labels need a multi-class softmax output; the segmentor predicts '
                         f'{logits.shape[0]} channel(s)')
    conf, labels = torch.softmax(logits, dim=0).max(dim=0)
    return conf.cpu().numpy(), labels.cpu().numpy().astype(np.uint8)


def save_label(path: Path, labels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(labels, mode='L').save(path)


def percentile_thresholds(histograms: np.ndarray, percentile: float) -> np.ndarray:
    """Per class, the confidence below which ``percentile`` % of its pixels lie (bin lower edges)."""
    thresholds = np.zeros(len(histograms))
    for c, hist in enumerate(histograms):
        total = hist.sum()
        if total == 0 or percentile == 0:
            continue
        bin_idx = int(np.searchsorted(np.cumsum(hist), percentile / 100 * total, side='left'))
        thresholds[c] = bin_idx / N_BINS
    return thresholds


def summarise(classes: List[str], stats: dict, thresholds: np.ndarray, n_images: int, mode: dict) -> dict:
    total = stats['pixels'].sum()
    rows = []
    for c, name in enumerate(classes):
        pixels = int(stats['pixels'][c])
        rows.append(dict(
            name=name, pixels=pixels, share=pixels / total if total else 0.0,
            mean_confidence=float(stats['conf_sum'][c] / pixels) if pixels else None,
            threshold=float(thresholds[c]), kept=int(stats['kept'][c]),
            kept_ratio=float(stats['kept'][c] / pixels) if pixels else None))
    return dict(images=n_images, pixels=int(total), kept=int(stats['kept'].sum()),
                kept_ratio=float(stats['kept'].sum() / total) if total else 0.0, classes=rows, **mode)


def format_summary(summary: dict) -> str:
    fmt = '{:>16} {:>12} {:>7} {:>9} {:>9} {:>8}'
    lines = [fmt.format('class', 'pixels', 'share', 'mean conf', 'threshold', 'kept')]
    for row in summary['classes']:
        mean = '-' if row['mean_confidence'] is None else f'{row["mean_confidence"]:.3f}'
        kept = '-' if row['kept_ratio'] is None else f'{100 * row["kept_ratio"]:.1f}%'
        lines.append(fmt.format(row['name'][:16], row['pixels'], f'{100 * row["share"]:.1f}%', mean,
                                f'{row["threshold"]:.4f}', kept))
    lines.append(f'{summary["images"]} images, {summary["pixels"]} pixels, '
                 f'{100 * summary["kept_ratio"]:.1f}% kept (the rest is 255 = ignored)')
    return '\n'.join(lines)


class PseudoLabeller:
    """Predicts the target images and writes their pseudo-labels, collecting per-class statistics."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        cfg = load_config(args.config, args.cfg_options)
        target = target_dataset_config(cfg)  # before the model: a config without target fails fast
        self.model = load_deployable_segmentor(cfg, args.checkpoint, args.device)
        self.dataset = build_target_dataset(target)
        self.classes = list(self.model.dataset_meta['classes'])
        n_cls = len(self.classes)
        self.img_dir = getattr(self.dataset, 'data_prefix', {}).get('img_path')
        self.out = Path(args.out)
        self.cache = self.out / '.raw'  # --class-percentile: predictions kept until thresholds are known
        self.stats = dict(pixels=np.zeros(n_cls), conf_sum=np.zeros(n_cls), kept=np.zeros(n_cls))
        self.histograms = np.zeros((n_cls, N_BINS))
        self.names: List[Path] = []

    def predict(self) -> None:
        """Pass 1: every target image; with a fixed threshold its label PNG is written right away."""
        n_cls, size = len(self.classes), len(self.dataset)
        print(f'pseudo-labelling {size} target image(s) into {self.out}')
        bar = ProgressBar(size)
        for start in range(0, size, self.args.batch_size):
            batch = [self.dataset[i] for i in range(start, min(start + self.args.batch_size, size))]
            with torch.no_grad():
                results = self.model.test_step(pseudo_collate(batch))
            for result in results:
                conf, labels = confidence_and_labels(result)
                name = Path(pseudo_label_name(result.img_path, self.img_dir))
                self.names.append(name)
                self.stats['pixels'] += np.bincount(labels.ravel(), minlength=n_cls)[:n_cls]
                self.stats['conf_sum'] += np.bincount(labels.ravel(), weights=conf.ravel(),
                                                      minlength=n_cls)[:n_cls]
                if self.args.threshold is not None:
                    labels[conf < self.args.threshold] = IGNORE_INDEX
                    save_label(self.out / name, labels)
                else:
                    bins = np.minimum((conf * N_BINS).astype(np.int64), N_BINS - 1)
                    np.add.at(self.histograms, (labels.ravel(), bins.ravel()), 1)
                    raw = self.cache / name.with_suffix('.npz')
                    raw.parent.mkdir(parents=True, exist_ok=True)
                    np.savez_compressed(raw, labels=labels, conf=conf.astype(np.float32))
                bar.update()
        sys.stdout.write('\n')

    def thresholds(self) -> np.ndarray:
        """Per-class thresholds; pass 2 of --class-percentile writes the label PNGs with them."""
        if self.args.threshold is not None:
            return np.full(len(self.classes), self.args.threshold)
        thresholds = percentile_thresholds(self.histograms, self.args.class_percentile)
        for name in self.names:
            raw = np.load(self.cache / name.with_suffix('.npz'))
            labels, conf = raw['labels'], raw['conf']
            labels[conf < thresholds[labels]] = IGNORE_INDEX
            save_label(self.out / name, labels)
        shutil.rmtree(self.cache)
        return thresholds

    def summary(self, thresholds: np.ndarray) -> dict:
        n_cls = len(self.classes)
        for name in self.names:  # count what was written
            labels = np.asarray(Image.open(self.out / name))
            self.stats['kept'] += np.bincount(labels.ravel(), minlength=256)[:n_cls]
        mode = (dict(threshold=self.args.threshold) if self.args.threshold is not None else
                dict(class_percentile=self.args.class_percentile))
        return summarise(self.classes, self.stats, thresholds, len(self.names), mode)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    with clear_errors('pseudo_label.py'):
        labeller = PseudoLabeller(args)
        labeller.out.mkdir(parents=True, exist_ok=True)
        labeller.predict()
        summary = labeller.summary(labeller.thresholds())
        (labeller.out / 'summary.json').write_text(json.dumps(summary, indent=2))
        print(format_summary(summary))
        print(f'wrote {summary["images"]} label PNG(s) and summary.json to {labeller.out}; read them with '
              f"dict(type='PseudoLabelDataset', dataset=<the target dataset>, label_dir='{labeller.out}')")
    return 0


if __name__ == '__main__':
    sys.exit(main())
