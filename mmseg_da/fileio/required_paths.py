"""Missing files and folders as one clear error naming the path and what it should be (tools and datasets)."""
import os.path as osp
from pathlib import Path
from typing import TypeVar, Union

PathLike = Union[str, Path]
PathT = TypeVar('PathT', str, Path)


def require_file(path: PathT, what: str, hint: str = '') -> PathT:
    """Return ``path`` (as given) if it is a file, else raise FileNotFoundError naming it and what it should be.

    Args:
        path: The file.
        what: What it is (``'config file'``, ``'CamVid image (line 3 of ...)'``), for the message.
        hint: A further line of the message (e.g. the expected layout).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {str(path)!r}' + (f'\n{hint}' if hint else ''))
    return path


def require_dir(path: PathLike, what: str, layout: str, hint: str = '') -> Path:
    """Return ``path`` as a Path, or raise FileNotFoundError naming it, the layout and where data comes from."""
    path = Path(path)
    if not path.is_dir():
        msg = f'{what} not found: {path}\nExpected layout: {layout}'
        if hint:
            msg += f'\n{hint}'
        raise FileNotFoundError(msg)
    return path
