"""Files that are never seen half-written: write a temporary file beside the target, then rename it."""
import os
import os.path as osp


def replace_atomically(path: str, write) -> None:
    """Call ``write(tmp_path)``, flush it to disk and rename it to ``path``; ``path`` is never partial.

    The temporary file lies in the same folder (``os.replace`` is atomic only within one file system)
    and is removed if ``write`` fails.
    """
    folder, name = osp.split(osp.abspath(path))
    tmp = osp.join(folder, f'.{name}.tmp{os.getpid()}')
    try:
        write(tmp)
        with open(tmp, 'rb') as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def write_text_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through :func:`replace_atomically`."""
    def write(tmp: str) -> None:
        with open(tmp, 'w') as f:
            f.write(text)
    replace_atomically(path, write)
