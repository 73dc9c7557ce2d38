"""Offline pseudo-labels: a trained (teacher) segmentor labels the target training images of a config.

The images are the config's ``pseudo_label_dataset`` where it names one (a teacher config, e.g. an mmseg
model-zoo segmentor), else the target of its training set; they go through its test pipeline.

For image ``<img_dir>/<rel>.<ext>`` the labeller writes ``<out>/<rel>.png``: a single-channel PNG of train
ids at the image's size, low-confidence pixels 255 (ignored); ``PseudoLabelDataset(dataset=<same target>,
label_dir=<out>)`` reads them back. ``<out>/summary.json`` holds per-class confidence statistics, and
``<out>/pseudo_label_manifest.jsonl`` lists every file the run wrote (size and SHA-256): ``--force`` deletes
exactly those, and only while they are unchanged. Every file is written atomically.
"""
import json
from pathlib import Path
from typing import Callable, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.utils import ProgressBar
from PIL import Image

from mmseg_da.config.inference_pipeline import inference_pipeline
from mmseg_da.config.walk import find_target_dataset
from mmseg_da.datasets.pseudo_label import pseudo_label_name
from mmseg_da.fileio.atomic_files import remove_stale_temporaries, replace_atomically, write_error
from mmseg_da.fileio.file_manifest import FileManifest
from mmseg_da.reports.tables import console_table

from .class_quantiles import ClassQuantiles
from .init_segmentor import init_segmentor

IGNORE_INDEX = 255
SUMMARY = 'summary.json'
#: The journal of every file a run wrote into ``--out``: what ``--force`` may delete.
MANIFEST = 'pseudo_label_manifest.jsonl'
MANIFEST_KIND = 'mmseg-da pseudo-labels'
#: ``--class-percentile``: predictions kept until the thresholds are known.
CACHE = '.raw'
#: The config key of a teacher config that names the images it labels.
PSEUDO_LABEL_DATASET = 'pseudo_label_dataset'


def target_dataset_config(cfg: Config) -> dict:
    """The images to label, with the config's test pipeline without annotations.

    The config's ``pseudo_label_dataset`` where it defines one (a teacher config names the images it labels,
    e.g. a model-zoo segmentor labelling Cityscapes train), else the target of its training set.
    """
    own = cfg.get(PSEUDO_LABEL_DATASET)
    if own is not None:
        if not isinstance(own, dict) or 'type' not in own:
            raise ValueError(f'the config\'s `{PSEUDO_LABEL_DATASET}` must be a dataset config (a dict with a '
                             f'`type`), got {own!r}')
        target = own
    else:
        train_set = (cfg.get('train_dataloader') or {}).get('dataset')
        target = find_target_dataset(train_set)
        if target is None:
            raise ValueError('the config\'s train_dataloader.dataset has no target domain: expected a '
                             '`UDADataset` (its `target`) or a `PseudoLabelDataset` (its `dataset`), got '
                             f'{(train_set or {}).get("type")!r}; a teacher config names the images it labels '
                             f'with `{PSEUDO_LABEL_DATASET} = dict(type=..., data_root=...)`')
    return dict(target, pipeline=inference_pipeline(cfg, with_annotations=False))


def check_same_classes(teacher: List[str], dataset, where: str) -> None:
    """Refuse a teacher whose classes are not the target dataset's, in order (its train ids would mean
    other classes in the student's labels).

    Raises:
        ValueError: Naming the first class that differs, or the two class counts.
    """
    theirs = list((getattr(dataset, 'metainfo', None) or {}).get('classes') or [])
    if not theirs or list(teacher) == theirs:
        return
    if len(teacher) != len(theirs):
        detail = f'{len(teacher)} classes vs {len(theirs)}'
    else:
        i = next(i for i, (a, b) in enumerate(zip(teacher, theirs)) if a != b)
        detail = f'train id {i} is {teacher[i]!r} for the teacher but {theirs[i]!r} for the dataset'
    raise ValueError(f'the teacher\'s classes (checkpoint meta, else the config\'s datasets) are not those of the '
                     f'images it would label ({type(dataset).__name__} of {where}): {detail}. A teacher must '
                     'predict the target\'s classes in the same order.')


def output_manifest(out: Path) -> FileManifest:
    """The journal of the files a pseudo-label run writes into ``out`` (see :mod:`mmseg_da.fileio.file_manifest`)."""
    return FileManifest(out, MANIFEST, MANIFEST_KIND)


def prepare_output(out: Path, force: bool) -> FileManifest:
    """Refuse a non-empty output folder, unless ``force`` and it holds an earlier run's manifest; start a manifest.

    With ``force``, the files the earlier run journalled in its manifest (labels, summary, cache) are deleted
    if they are unchanged (same size and SHA-256), so no stale label of an image that is no longer predicted
    survives; every other file stays. A folder without a valid manifest is refused before anything is
    deleted (a dataset folder holding its own ``summary.json`` and PNGs is never touched).

    Raises:
        NotADirectoryError: If ``out`` is a file.
        FileExistsError: If ``out`` is not empty and not an earlier pseudo-label output (or not ``force``),
            or a file the run would write is in the way.
    """
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f'--out {str(out)!r} is a file, not a folder')
    manifest = output_manifest(out)
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise FileExistsError(f'--out {str(out)!r} is not empty; pseudo-labels are written into an empty '
                                  'folder (pass --force to replace an earlier pseudo-label output there)')
        removed, kept = manifest.remove_written()  # refuses a folder without a valid manifest first
        stale = remove_stale_temporaries(out, recursive=True)
        print(f'--force: removed the {len(removed)} file(s) of the earlier pseudo-label run in {out}'
              + (f' and {len(stale)} temporary file(s) of a killed write' if stale else ''))
        if kept:
            print(f'--force: kept {len(kept)} file(s) the earlier run wrote but that changed since, e.g. {kept[0]}')
        for name in (SUMMARY, MANIFEST, CACHE):
            if (out / name).exists():
                raise FileExistsError(f'--out {str(out)!r}: {out / name} is in the way and was not written by the '
                                      'earlier pseudo-label run, so it is kept; move it away or choose another '
                                      'folder')
    try:
        out.mkdir(parents=True, exist_ok=True)
        manifest.start()
    except OSError as err:
        raise write_error(manifest.path, err) from err
    return manifest


def write_output(manifest: FileManifest, relative: Path, write: Callable[[str], None]) -> Path:
    """Write ``out/relative`` atomically, journalled in ``manifest`` before it appears under its name.

    Raises:
        FileExistsError: If a file not written by this run is in the way (it is never overwritten).
        FileWriteError: If writing fails (full disk, read-only folder), naming the file.
    """
    path = manifest.folder / relative
    if path.exists() or path.is_symlink():
        raise FileExistsError(f'{path} already exists and was not written by this pseudo-label run; it is kept. '
                              'Move it away or choose an empty --out folder.')
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise write_error(path, err) from err

    def journalled(tmp: str) -> None:
        write(tmp)
        manifest.record(relative, tmp)

    replace_atomically(str(path), journalled)
    return path


def confidence_and_labels(result) -> tuple:
    """Max-softmax confidence and arg-max labels ``(H, W)`` of one prediction, as numpy arrays."""
    logits = result.seg_logits.data.float()
    if logits.shape[0] < 2:
        raise ValueError('pseudo-labels need a multi-class softmax output; the segmentor predicts '
                         f'{logits.shape[0]} channel(s)')
    conf, labels = torch.softmax(logits, dim=0).max(dim=0)
    return conf.cpu().numpy(), labels.cpu().numpy().astype(np.uint8)


def save_label(manifest: FileManifest, relative: Path, labels: np.ndarray) -> None:
    """Write one label PNG (atomically, journalled in the output's manifest)."""
    write_output(manifest, relative, lambda tmp: Image.fromarray(labels, mode='L').save(tmp, format='PNG'))


def summarise(classes: List[str], stats: dict, thresholds: np.ndarray, n_images: int, mode: dict) -> dict:
    """The per-class summary written to ``summary.json``."""
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
    """The summary as a console table."""
    rows = []
    for row in summary['classes']:
        mean = '-' if row['mean_confidence'] is None else f'{row["mean_confidence"]:.3f}'
        kept = '-' if row['kept_ratio'] is None else f'{100 * row["kept_ratio"]:.1f}%'
        rows.append([row['name'], row['pixels'], f'{100 * row["share"]:.1f}%', mean, f'{row["threshold"]:.4f}', kept])
    lines = [console_table(rows, ['class', 'pixels', 'share', 'mean conf', 'threshold', 'kept'], align='lrrrrr')]
    lines.append(f'{summary["images"]} images, {summary["pixels"]} pixels, '
                 f'{100 * summary["kept_ratio"]:.1f}% kept (the rest is 255 = ignored)')
    return '\n'.join(lines)


class PseudoLabeller:
    """Predicts the target images of a config and writes their pseudo-labels, with per-class statistics.

    Args:
        cfg: The (student's or adaptation) config whose training set has a target domain.
        checkpoint: The teacher checkpoint (plain, exported or adaptation), loaded strictly.
        out: Output folder; must be empty unless ``force`` (see :func:`prepare_output`).
        threshold: Ignore pixels whose confidence is below it; or
        class_percentile: per class, ignore the least confident ``P`` % of its pixels (exact quantile).
    """

    def __init__(self, cfg: Config, checkpoint: str, out: str, threshold: Optional[float] = None,
                 class_percentile: Optional[float] = None, device: str = 'cpu', batch_size: int = 1,
                 force: bool = False) -> None:
        if (threshold is None) == (class_percentile is None):
            raise ValueError('give exactly one of threshold and class_percentile')
        from mmseg.registry import DATASETS
        target = target_dataset_config(cfg)  # before the model: a config without target fails fast
        self.model = init_segmentor(cfg, checkpoint, device)
        if not self.model.dataset_meta:
            raise ValueError(f'no class names for {cfg.filename}: neither the checkpoint\'s meta nor the '
                             'config\'s datasets define `classes`')
        self.dataset = DATASETS.build(target)
        if len(self.dataset) == 0:
            raise ValueError(f'the target dataset ({target.get("type")}) of {cfg.filename} is empty')
        self.classes = list(self.model.dataset_meta['classes'])
        check_same_classes(self.classes, self.dataset, cfg.filename)
        self.threshold, self.class_percentile = threshold, class_percentile
        self.batch_size = batch_size
        self.img_dir = getattr(self.dataset, 'data_prefix', {}).get('img_path')
        self.out = Path(out)
        self.manifest = prepare_output(self.out, force)
        self.cache = Path(CACHE)  # relative to out
        n_cls = len(self.classes)
        self.stats = dict(pixels=np.zeros(n_cls), conf_sum=np.zeros(n_cls), kept=np.zeros(n_cls))
        self.quantiles = None if class_percentile is None else ClassQuantiles(n_cls, class_percentile / 100)
        self.names: List[Path] = []

    def predict(self) -> None:
        """Pass 1: every target image; with a fixed threshold its label PNG is written right away."""
        n_cls, size = len(self.classes), len(self.dataset)
        print(f'pseudo-labelling {size} target image(s) into {self.out}')
        bar = ProgressBar(size)
        for start in range(0, size, self.batch_size):
            batch = [self.dataset[i] for i in range(start, min(start + self.batch_size, size))]
            with torch.no_grad():
                results = self.model.test_step(pseudo_collate(batch))
            for result in results:
                conf, labels = confidence_and_labels(result)
                if int(labels.max()) >= n_cls:
                    raise ValueError(f'the segmentor predicts class {int(labels.max())} but the checkpoint/config '
                                     f'name {n_cls} classes')
                name = Path(pseudo_label_name(result.img_path, self.img_dir))
                self.names.append(name)
                self.stats['pixels'] += np.bincount(labels.ravel(), minlength=n_cls)[:n_cls]
                self.stats['conf_sum'] += np.bincount(labels.ravel(), weights=conf.ravel(),
                                                      minlength=n_cls)[:n_cls]
                if self.threshold is not None:
                    labels[conf < self.threshold] = IGNORE_INDEX
                    save_label(self.manifest, name, labels)
                else:
                    self.quantiles.add(labels, conf)
                    write_output(self.manifest, self.cache / name.with_suffix('.npz'),
                                 lambda tmp: _save_npz(tmp, labels, conf))
                bar.update()
        print()

    def _cached(self):
        for name in self.names:
            raw = np.load(self.out / self.cache / name.with_suffix('.npz'))
            yield name, raw['labels'], raw['conf']

    def thresholds(self) -> np.ndarray:
        """Per-class thresholds; with a class percentile, passes 2 and 3 find them and write the PNGs."""
        if self.threshold is not None:
            return np.full(len(self.classes), self.threshold)
        for _, labels, conf in self._cached():
            self.quantiles.refine(labels, conf)
        thresholds = self.quantiles.thresholds()
        for name, labels, conf in self._cached():
            labels[conf < thresholds[labels]] = IGNORE_INDEX
            save_label(self.manifest, name, labels)
        for name in self.names:  # only this run's cache files (the manifest keeps listing them: absent is fine)
            (self.out / self.cache / name.with_suffix('.npz')).unlink()
        _remove_empty_folders(self.out / self.cache)
        return thresholds

    def summary(self, thresholds: np.ndarray) -> dict:
        """Count what was written and summarise it per class."""
        n_cls = len(self.classes)
        for name in self.names:
            labels = np.asarray(Image.open(self.out / name))
            self.stats['kept'] += np.bincount(labels.ravel(), minlength=256)[:n_cls]
        mode = (dict(threshold=self.threshold) if self.threshold is not None else
                dict(class_percentile=self.class_percentile))
        return summarise(self.classes, self.stats, thresholds, len(self.names), mode)

    def run(self) -> dict:
        """All passes; writes ``summary.json`` and returns the summary."""
        self.predict()
        summary = self.summary(self.thresholds())
        text = json.dumps(summary, indent=2)
        write_output(self.manifest, Path(SUMMARY), lambda tmp: Path(tmp).write_text(text, encoding='utf-8'))
        return summary


def _save_npz(path: str, labels: np.ndarray, conf: np.ndarray) -> None:
    with open(path, 'wb') as f:  # a file object: numpy would append .npz to the temporary name
        np.savez_compressed(f, labels=labels, conf=conf.astype(np.float32))


def _remove_empty_folders(folder: Path) -> None:
    """Remove ``folder`` and its sub-folders bottom-up where they are empty (a file anywhere keeps its folders)."""
    if not folder.is_dir():
        return
    for sub in sorted((p for p in folder.rglob('*') if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(sub.iterdir()):
            sub.rmdir()
    if not any(folder.iterdir()):
        folder.rmdir()
