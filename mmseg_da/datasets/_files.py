"""Small helpers that turn unpaired or undecodable files into errors naming the path (missing files and folders:
:mod:`mmseg_da.fileio.required_paths`)."""
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple, Union

PathLike = Union[str, Path]


def _sort_key(stem: str) -> Tuple[int, int, str]:
    # LoveDA names its tiles by integers: sort 2.png before 10.png.
    return (0, int(stem), '') if stem.isdigit() else (1, 0, stem)


def list_stems(folder: Path, suffix: str) -> List[str]:
    """File stems in ``folder`` ending with ``suffix``, numerically sorted where they are integers."""
    stems = [p.name[:-len(suffix)] for p in folder.iterdir() if p.is_file() and p.name.endswith(suffix)]
    return sorted(stems, key=_sort_key)


def _preview(names: Sequence[str], limit: int = 5) -> str:
    shown = ', '.join(names[:limit])
    return shown + (f', ... ({len(names)} in all)' if len(names) > limit else '')


def check_pairs(img_dir: Path, img_stems: Iterable[str], mask_dir: Path, mask_stems: Iterable[str],
                suffix: str) -> None:
    """Raise FileNotFoundError if an image has no mask, or a mask has no image."""
    imgs, masks = set(img_stems), set(mask_stems)
    no_mask = sorted(imgs - masks, key=_sort_key)
    if no_mask:
        raise FileNotFoundError(
            f'{len(no_mask)} image(s) in {img_dir} have no mask in {mask_dir}: '
            f'{_preview([s + suffix for s in no_mask])}')
    no_img = sorted(masks - imgs, key=_sort_key)
    if no_img:
        raise FileNotFoundError(
            f'{len(no_img)} mask(s) in {mask_dir} have no image in {img_dir}: '
            f'{_preview([s + suffix for s in no_img])}')


# Leading bytes of the formats whose suffix we can check cheaply when a file does not decode.
_MAGIC = {'.png': b'\x89PNG\r\n\x1a\n', '.jpg': b'\xff\xd8\xff', '.jpeg': b'\xff\xd8\xff'}


def unreadable_file_error(path: PathLike, what: str, exc: Optional[BaseException] = None) -> ValueError:
    """A ValueError naming a file that exists but does not decode, and the likely reason.

    Args:
        path: The file.
        what: What it is (``'image'``, ``'mask'``), for the message.
        exc: The decoder's exception, if it raised one (its text ends the message).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, 'rb') as f:
            head = f.read(16)
    except OSError as err:  # vanished or unreadable since it was listed
        return ValueError(f'cannot read {what} {path}: {err}')
    magic = _MAGIC.get(path.suffix.lower())
    if size == 0:
        reason = 'the file is empty'
    elif magic is not None and not head.startswith(magic):
        reason = (f'it is not a {path.suffix.lstrip(".").upper()} file although its name says so (it starts '
                  f'with {head[:8]!r})')
    else:
        reason = 'the file is truncated or corrupt'
    detail = f' ({type(exc).__name__}: {exc})' if exc is not None and str(exc) else ''
    return ValueError(f'cannot decode {what} {path} ({size} bytes): {reason}{detail}; replace it with a good '
                      f'copy (re-extract or re-download the dataset) or remove it from the data')
