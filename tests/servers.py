"""Small scripted HTTP servers on 127.0.0.1 for hostile-site tests.

A `ScriptedServer` answers each path from a table (status, headers, body, or a function of
the request), 404 otherwise, and records every request it received, so a test can say which
requests a crawl made and which it never made.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})


# A route: a fixed answer, or a function of (path with query, request headers, hit number).
Route = Answer | Callable[[str, dict[str, str], int], Answer]

NOT_FOUND = Answer(404, b"<html><body>nicht gefunden</body></html>")


class ScriptedServer:
    """Use as a context manager; `routes` maps a path (with or without query) to a Route."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self._lock = threading.Lock()
        self._requests: list[tuple[str, dict[str, str]]] = []
        self._hits: dict[str, int] = {}
        handler = type("Handler", (_Handler,), {"server_kit": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True

    def __enter__(self) -> ScriptedServer:
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        """(path with query, headers) of every request, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def answer(self, target: str, headers: dict[str, str]) -> Answer:
        with self._lock:
            self._requests.append((target, headers))
            key = target if target in self.routes else urlsplit(target).path
            hit = self._hits[key] = self._hits.get(key, 0) + 1
        route = self.routes.get(key, NOT_FOUND)
        return route(target, headers, hit) if callable(route) else route


class _Handler(BaseHTTPRequestHandler):
    server_kit: ScriptedServer

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        answer = self.server_kit.answer(self.path, dict(self.headers.items()))
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass
