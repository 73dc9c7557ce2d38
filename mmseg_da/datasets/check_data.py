"""Check every dataset of a config before training: files readable, masks valid, classes matching the model."""
from typing import Any, Iterator, List, Tuple

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from .dataset_wrappers import leaf_datasets
from .mask_check import check_dataset_masks, image_problem
from .uda_dataset import UDADataset

#: Where a config keeps its datasets, and the role each one plays.
LOADERS = (('train_dataloader', 'train'), ('val_dataloader', 'val'), ('test_dataloader', 'test'))


def _roles(role: str, dataset: Any) -> Iterator[Tuple[str, Any]]:
    """(role, leaf dataset) pairs; a UDADataset gives its source(s) and its target."""
    for leaf in leaf_datasets(dataset):
        if isinstance(leaf, UDADataset):
            yield from _roles(f'{role} source', leaf.source)
            yield from _roles(f'{role} target', leaf.target)
        else:
            yield role, leaf


def _model_classes(model: Any) -> List[int]:
    """Every ``num_classes`` in the model config (decode heads, of the segmentor an adaptation model wraps)."""
    found = []
    if isinstance(model, dict):
        if isinstance(model.get('num_classes'), int):
            found.append(model['num_classes'])
        for key, value in model.items():
            if key != 'init_cfg':
                found += _model_classes(value)
    elif isinstance(model, (list, tuple)):
        for value in model:
            found += _model_classes(value)
    return found


def _check_images(leaf: Any, what: str) -> None:
    problems = [p for p in (image_problem(leaf.get_data_info(i)['img_path'])[0] for i in range(len(leaf))) if p]
    if problems:
        raise ValueError(f'{len(problems)} of the {len(leaf)} images of the {what} are unusable: '
                         + '; '.join(problems[:5]))


def check_config_data(cfg: Config) -> List[dict]:
    """Build the train, val and test datasets of ``cfg`` and check each file; one row per leaf dataset.

    Images are verified without decoding (PNG chunk checksums, a JPEG's end marker), masks are decoded and
    their values checked against the classes (:func:`~mmseg_da.datasets.mask_check.check_dataset_masks`);
    the datasets' class lists must agree with each other and with the model's ``num_classes``.

    Returns:
        Rows with ``role``, ``type``, ``domains``, ``images``, ``masks`` (how many were checked), ``classes``.

    Raises:
        ValueError: One paragraph naming the bad files, or the datasets and model whose classes disagree.
        FileNotFoundError: From the datasets: missing folders, empty selections, images without masks.
    """
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    rows, seen = [], set()
    for key, role in LOADERS:
        loader = cfg.get(key)
        if not loader or repr(loader['dataset']) in seen:
            continue
        seen.add(repr(loader['dataset']))
        for leaf_role, leaf in _roles(role, DATASETS.build(loader['dataset'])):
            leaf.full_init()
            what = f'{leaf_role} dataset ({type(leaf).__name__})'
            infos = [leaf.get_data_info(i) for i in range(len(leaf))]
            labelled = [info for info in infos if 'seg_map_path' in info]
            masks = check_dataset_masks(leaf, what) if labelled and not leaf_role.endswith('target') else 0
            if masks < len(infos):  # a checked mask's image was verified with it
                _check_images(leaf, what)
            rows.append(dict(role=leaf_role, type=type(leaf).__name__,
                             domains=sorted({str(info.get('domain')) for info in infos}), images=len(infos),
                             masks=masks, classes=tuple(leaf.metainfo.get('classes') or ())))
    class_lists = {row['classes'] for row in rows}
    if len(class_lists) > 1:
        raise ValueError('the datasets of the config disagree on the classes: ' + '; '.join(
            f'{row["role"]} {row["type"]}: {list(row["classes"])}' for row in rows))
    heads = set(_model_classes(cfg.get('model')))
    if rows and heads and heads != {len(rows[0]['classes'])}:
        raise ValueError(f'the model predicts num_classes={sorted(heads)} but the datasets have '
                         f'{len(rows[0]["classes"])} classes {list(rows[0]["classes"])}: set '
                         'decode_head.num_classes to the number of classes')
    return rows


def format_rows(rows: List[dict]) -> str:
    """The rows of :func:`check_config_data` as an aligned text table."""
    lines = [('role', 'dataset', 'domains', 'images', 'masks checked')]
    lines += [(r['role'], r['type'], ','.join(r['domains']), str(r['images']), str(r['masks'])) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return '\n'.join('  '.join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines)
