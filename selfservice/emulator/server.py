"""A threaded socket server for the emulator (CLI, demo, browser tests), stdlib only."""

from __future__ import annotations

import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    verbose = False

    def log_message(self, format: str, *args: Any) -> None:
        if self.verbose:
            super().log_message(format, *args)


class ServerThread:
    """Serve a WSGI app on ``host:port`` (0 = any free port) from a daemon thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        _QuietHandler.verbose = verbose
        self.httpd = make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="selfservice-emulator", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def serve_forever(self) -> None:
        self.httpd.serve_forever()
