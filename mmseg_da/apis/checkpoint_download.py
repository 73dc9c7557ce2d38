"""Model-zoo checkpoints by URL, read with safe loading like local files.

mmengine reads an ``http(s)://`` checkpoint with torch.hub's ``load_state_dict_from_url``, whose default is
``weights_only=False``: a downloaded file would be unpickled without torch's safe loader. Here the file is
downloaded once into torch's hub cache (``$TORCH_HOME/hub/checkpoints``, the folder mmengine and mmseg use
too, so an earlier download is reused) and then read as a local file, with safe loading on.
"""
import os
import os.path as osp
import re
import sys
from urllib.parse import urlparse

#: URL schemes downloaded here; other mmengine prefixes (``open-mmlab://`` ...) are left to mmengine.
URL_SCHEMES = ('http://', 'https://')
#: OpenMMLab's published names end in the first 8 hex digits of the file's SHA-256: ``..._114143-068fcfe9.pth``.
#: (torch.hub's own pattern also takes ``-d8.`` of ``r101-d8.pth`` for a hash.)
HASH_SUFFIX = re.compile(r'-([0-9a-f]{8,64})\.[^.]+$')


def is_url(checkpoint: str) -> bool:
    """Whether ``checkpoint`` is an ``http(s)://`` URL."""
    return checkpoint.startswith(URL_SCHEMES)


def cached_checkpoint(url: str) -> str:
    """The local copy of ``url`` in torch's hub cache, downloaded on first use.

    A file name that ends in a hash (OpenMMLab's ``name_date-068fcfe9.pth``) has its SHA-256 prefix checked,
    so a corrupted download is refused and not cached. The download is written to a temporary file and
    renamed, so an interrupted one leaves nothing under the final name.

    Raises:
        ValueError: If the URL names no file, or the download fails (no network, HTTP error, bad hash),
            naming the URL and where the file would be cached.
    """
    from torch.hub import download_url_to_file, get_dir
    name = osp.basename(urlparse(url).path)
    if not name:
        raise ValueError(f'checkpoint URL {url!r} names no file')
    folder = osp.join(get_dir(), 'checkpoints')
    path = osp.join(folder, name)
    if osp.isfile(path):
        return path
    match = HASH_SUFFIX.search(name)
    try:
        os.makedirs(folder, exist_ok=True)
        download_url_to_file(url, path, match.group(1) if match else None, progress=sys.stderr.isatty())
    except (OSError, RuntimeError) as err:  # URLError/HTTPError are OSErrors; a bad hash is a RuntimeError
        raise ValueError(f'could not download the checkpoint {url!r} to {path}: {type(err).__name__}: {err}. '
                         'Without network access, download it elsewhere and pass the local file (or copy it to '
                         f'{path}).') from err
    return path
