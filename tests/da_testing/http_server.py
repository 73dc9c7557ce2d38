"""A loopback HTTP server over a folder, for checkpoints "downloaded" by URL without network access."""
import contextlib
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, List


class ServedFolder:
    """The base URL of the served folder and the paths requested so far."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.requests: List[str] = []


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[ServedFolder]:
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread while the context is open."""
    served = ServedFolder('')

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (http.server's name)
            served.requests.append(self.path)
            super().do_GET()

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Handler, directory=str(folder)))
    served.url = f'http://127.0.0.1:{server.server_address[1]}'
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
