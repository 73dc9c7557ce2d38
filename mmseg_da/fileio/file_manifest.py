"""A journal of the files a run wrote into a folder, so that a later run may replace exactly those and no others.

The journal is a JSON-lines file: a header naming the writer, then one line per written file (its path
relative to the folder, size and SHA-256), appended *before* the file is renamed into place, so a run killed
at any moment has journalled every file it left. :meth:`FileManifest.remove_written` deletes only journalled
files whose size and hash still match; anything else in the folder stays.
"""
import hashlib
import json
import os
from pathlib import Path, PurePosixPath
from typing import Dict, List, Tuple, Union

PathLike = Union[str, Path]

VERSION = 1


def file_digest(path: PathLike) -> Tuple[int, str]:
    """``(size in bytes, SHA-256 hex digest)`` of a file."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return os.path.getsize(path), digest.hexdigest()


class InvalidManifestError(FileExistsError):
    """A folder holds no valid manifest of the expected writer, so nothing in it may be deleted."""


class FileManifest:
    """The journal ``<folder>/<name>`` of the files one writer (``kind``) put into ``folder``.

    Args:
        folder: The folder the files are written into.
        name: The journal's file name inside ``folder``.
        kind: Who writes it (e.g. ``'mmseg-da pseudo-labels'``); a journal of another kind is not valid.
    """

    def __init__(self, folder: PathLike, name: str, kind: str) -> None:
        self.folder = Path(folder)
        self.path = self.folder / name
        self.kind = kind

    # -- writing ---------------------------------------------------------------------------------------
    def start(self) -> None:
        """Create the journal with its header (the folder must not hold one)."""
        with open(self.path, 'x', encoding='utf-8') as f:
            f.write(json.dumps(dict(manifest=self.kind, version=VERSION)) + '\n')

    def record(self, relative: PathLike, written: PathLike) -> None:
        """Journal the file ``written`` (e.g. a temporary file) that will be renamed to ``folder/relative``."""
        size, sha256 = file_digest(written)
        line = json.dumps(dict(path=PurePosixPath(Path(relative)).as_posix(), size=size, sha256=sha256))
        with open(self.path, 'a', encoding='utf-8') as f:
            f.write(line + '\n')
            f.flush()

    # -- reading ---------------------------------------------------------------------------------------
    def _refuse(self, why: str) -> InvalidManifestError:
        return InvalidManifestError(
            f'{str(self.folder)!r} {why}, so it is not (only) the output of an earlier {self.kind} run; refusing '
            'to delete anything in it. Choose an empty or new folder, or remove the files there yourself.')

    def entries(self) -> Dict[str, dict]:
        """The journalled files, by relative path (the last record of a path wins).

        A torn last line (a run killed while appending) is ignored.

        Raises:
            InvalidManifestError: If there is no journal, or it is not one of ``kind`` or is malformed.
        """
        if not self.path.is_file():
            raise self._refuse(f'holds no manifest {self.path.name}')
        lines = self.path.read_text(encoding='utf-8', errors='replace').splitlines()
        try:
            header = json.loads(lines[0]) if lines else None
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get('manifest') != self.kind or header.get('version') != VERSION:
            raise self._refuse(f'holds a file {self.path.name} that is not a valid {self.kind} manifest')
        entries = {}
        for number, line in enumerate(lines[1:], start=2):
            try:
                entry = json.loads(line)
                relative = PurePosixPath(entry['path'])
                valid = (not relative.is_absolute() and '..' not in relative.parts and str(relative) not in ('', '.')
                         and isinstance(entry['size'], int) and isinstance(entry['sha256'], str))
            except (ValueError, KeyError, TypeError):
                valid = False
            if not valid:
                if number == len(lines):  # torn by a kill while appending
                    continue
                raise self._refuse(f'has a malformed manifest {self.path.name} (line {number})')
            entries[str(relative)] = entry
        return entries

    def remove_written(self) -> Tuple[List[Path], List[Path]]:
        """Delete the journalled files that still match their record, then the journal and emptied folders.

        Returns:
            ``(removed, kept)``: the deleted files, and the journalled files kept because they changed since
            (another size or hash) or are no longer regular files. Files never journalled are not touched.

        Raises:
            InvalidManifestError: See :meth:`entries`; raised before anything is deleted.
        """
        entries = self.entries()
        removed, kept, folders = [], [], set()
        for relative, entry in entries.items():
            path = self.folder / relative
            if not path.exists() and not path.is_symlink():
                continue
            if path.is_symlink() or not path.is_file() or file_digest(path) != (entry['size'], entry['sha256']):
                kept.append(path)
                continue
            path.unlink()
            removed.append(path)
            folders.update(p for p in path.parents if self.folder in p.parents)
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            try:
                folder.rmdir()  # only if empty: other files in it stay
            except OSError:
                pass
        self.path.unlink()
        return removed, kept
