"""Files that are never seen half-written: write a temporary file beside the target, then rename it.

Every file the project writes (checkpoints, ``last_checkpoint``, pseudo-labels, reports) goes through
:func:`replace_atomically`. A failed write (full disk, read-only folder, a folder in the way) becomes a
:class:`FileWriteError` naming the file; the temporary file is removed and an earlier file under the final
name is left as it was. A process killed during a write leaves only its temporary file
(``.<name>.tmp<pid>``), which :func:`remove_stale_temporaries` removes at the next start.
"""
import errno
import os
import os.path as osp
import re
import shutil
from pathlib import Path
from typing import Callable, List, Union

PathLike = Union[str, Path]

#: The temporary name of a write in progress: ``.<final name>.tmp<pid>``, in the final file's folder.
TEMPORARY_NAME = re.compile(r'^\.(?P<name>.+)\.tmp(?P<pid>[0-9]+)$')

_REASONS = {
    errno.ENOSPC: 'the disk is full',
    errno.EDQUOT: 'the disk quota is exhausted',
    errno.EROFS: 'the file system is read-only',
    errno.EACCES: 'permission denied',
    errno.EPERM: 'permission denied',
    errno.EISDIR: 'a folder is in the way',
    errno.ENOTEMPTY: 'a folder is in the way',
    errno.ENOENT: 'its folder does not exist',
    errno.ENOTDIR: 'a part of its folder path is a file',
}


class FileWriteError(OSError):
    """Writing a file failed; the message is one paragraph naming the file and why.

    Constructed as ``FileWriteError(errno, message, filename)``; ``str()`` is the message alone.
    """

    def __str__(self) -> str:
        return str(self.strerror)


def temporary_path(path: PathLike) -> str:
    """The temporary file :func:`replace_atomically` writes before renaming it to ``path``."""
    folder, name = osp.split(osp.abspath(path))
    return osp.join(folder, f'.{name}.tmp{os.getpid()}')


def _free_space(folder: str) -> str:
    try:
        return f'{shutil.disk_usage(folder).free / 2**20:.0f} MiB free there'
    except OSError:
        return 'free space unknown'


def write_error(path: PathLike, err: BaseException) -> FileWriteError:
    """A :class:`FileWriteError` naming ``path``, for an ``OSError`` (or torch's writer error) while writing it."""
    path = osp.abspath(path)
    folder = osp.dirname(path)
    code = getattr(err, 'errno', None)
    if osp.isdir(path):
        code, reason = errno.EISDIR, 'a folder is in the way'
    elif code in _REASONS:
        reason = _REASONS[code]
    elif isinstance(err, OSError):
        reason = err.strerror or type(err).__name__
    else:  # torch's zip writer reports a failed write (e.g. a full disk) as a RuntimeError
        code, reason = errno.EIO, f'the write failed ({_free_space(folder)}; is the disk full?)'
    detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    kept = ('the earlier file under that name is unchanged' if osp.isfile(path) else
            'nothing was written under that name')
    return FileWriteError(code or errno.EIO, f'cannot write {path!r}: {reason} ({type(err).__name__}: {detail}); '
                          f'{kept}. Free space, choose another folder or remove what is in the way, then run '
                          'again.', path)


def _is_torch_write_failure(err: BaseException) -> bool:
    text = str(err)
    return isinstance(err, RuntimeError) and ('inline_container' in text or 'PytorchStreamWriter' in text
                                              or 'file write failed' in text)


def replace_atomically(path: str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)``, flush it to disk and rename it to ``path``; ``path`` is never partial.

    The temporary file lies in the same folder (``os.replace`` is atomic only within one file system)
    and is removed if ``write`` fails.

    Raises:
        FileWriteError: If ``path`` is a folder, or writing or renaming fails with an ``OSError`` (full
            disk, read-only file system, no permission) or torch's writer fails; the message names ``path``.
    """
    if osp.isdir(path):
        raise write_error(path, IsADirectoryError(errno.EISDIR, 'Is a directory', path))
    tmp = temporary_path(path)
    try:
        write(tmp)
        with open(tmp, 'rb') as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except FileWriteError:
        raise
    except OSError as err:
        raise write_error(path, err) from err
    except RuntimeError as err:
        if not _is_torch_write_failure(err):
            raise
        raise write_error(path, err) from err
    finally:
        if osp.lexists(tmp):
            os.remove(tmp)


def write_text_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through :func:`replace_atomically`."""
    def write(tmp: str) -> None:
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(text)
    replace_atomically(path, write)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or not a pid we can test: leave its file alone
    return True


def stale_temporaries(folder: PathLike, recursive: bool = False) -> List[Path]:
    """Temporary files of :func:`replace_atomically` in ``folder`` whose writing process no longer runs.

    Only regular files named like the helper's own temporaries (``.<name>.tmp<pid>``) are listed; a
    temporary of a live process (e.g. another run writing into the same folder) is not.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    candidates = folder.rglob('.*.tmp*') if recursive else folder.glob('.*.tmp*')
    stale = []
    for path in candidates:
        match = TEMPORARY_NAME.match(path.name)
        if match and path.is_file() and not path.is_symlink() and not _process_alive(int(match['pid'])):
            stale.append(path)
    return sorted(stale)


def remove_stale_temporaries(folder: PathLike, recursive: bool = False) -> List[Path]:
    """Remove :func:`stale_temporaries` of ``folder`` (left by a process killed during a write); return them."""
    removed = []
    for path in stale_temporaries(folder, recursive):
        try:
            path.unlink()
        except FileNotFoundError:  # another process cleaned it meanwhile
            continue
        removed.append(path)
    return removed
