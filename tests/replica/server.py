"""Serve a replica site over real HTTP on 127.0.0.1, with consent wall, cookies and faults."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .render_current import render_consent_wall
from .site import HTML, Page, Site

# A fault for a path (or path with query): "404", "410", "500" (always), "500-then-200",
# ("301", target_path), ("slow", seconds).
Fault = str | tuple[str, str] | tuple[str, float]

_NOT_FOUND = (
    b'<!doctype html>\n<html lang="de"><head><meta charset="utf-8"><title>404</title></head>'
    b"<body><h1>Seite nicht gefunden</h1></body></html>"
)


class ReplicaServer:
    """A threaded HTTP server for a `Site`; use it as a context manager.

    - serves `site.page(path)`, rendered when asked for; a query string is ignored
      where the path with the query is unknown (`…-<id>.html?utm_source=x` is the article);
    - `consent_wall`: HTML pages answer with the consent interstitial (status 200) unless the
      request has a `golem_consent20` cookie; feeds, sitemaps and robots.txt stay readable;
    - `golem_multipage=single` returns a multi-page article on one page (any of its pages'
      URLs), unless `honour_multipage_cookie` is False;
    - `faults` maps a path (with or without query) to a Fault, checked before anything else.
    `requests` lists (method, path with query, headers) of every request received.
    """

    def __init__(
        self,
        site: Site,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        consent_wall: bool = False,
        faults: dict[str, Fault] | None = None,
        honour_multipage_cookie: bool = True,
    ) -> None:
        self.site = site
        self.consent_wall = consent_wall
        self.faults = dict(faults or {})
        self.honour_multipage_cookie = honour_multipage_cookie
        self._address = (host, port)
        self._lock = threading.Lock()  # requests and fault counters
        self._render_lock = threading.Lock()  # one rendering at a time; the site memoises
        self._requests: list[tuple[str, str, dict[str, str]]] = []
        self._fault_hits: dict[str, int] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> ReplicaServer:
        handler = type("ReplicaHandler", (_Handler,), {"replica": self})
        self._httpd = ThreadingHTTPServer(self._address, handler)
        self._httpd.daemon_threads = True
        # A short poll interval keeps stop() fast (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C ends the wait in the demo)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def requests(self) -> list[tuple[str, str, dict[str, str]]]:
        with self._lock:
            return list(self._requests)

    # -- answering ------------------------------------------------------------------------

    def respond(
        self, method: str, target: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for one request (the handler only does the I/O)."""
        with self._lock:
            self._requests.append((method, target, headers))
        path = urlsplit(target).path
        fault_key = target if target in self.faults else path
        fault = self.faults.get(fault_key)
        if fault is not None:
            answer = self._fault(fault_key, fault)
            if answer is not None:
                return answer
        with self._render_lock:
            page: Page | None = self.site.page(target, self.base_url)
            if page is None and target != path:
                page = self.site.page(path, self.base_url)
        if page is None:
            return 404, {"Content-Type": HTML}, _NOT_FOUND
        status, content_type, body = page
        cookies = _cookies(headers.get("Cookie", ""))
        if content_type == HTML and self.consent_wall and "golem_consent20" not in cookies:
            return 200, {"Content-Type": HTML}, render_consent_wall().encode()
        if self.honour_multipage_cookie and cookies.get("golem_multipage") == "single":
            with self._render_lock:
                single = self.site.single_page(path, self.base_url)
            body = single or body
        return status, {"Content-Type": content_type}, body

    def _fault(self, key: str, fault: Fault) -> tuple[int, dict[str, str], bytes] | None:
        with self._lock:
            hits = self._fault_hits[key] = self._fault_hits.get(key, 0) + 1
        if fault in ("404", "410"):
            return int(fault), {"Content-Type": HTML}, _NOT_FOUND
        if fault == "500":
            return 500, {"Content-Type": "text/plain"}, b"Internal Server Error"
        if fault == "500-then-200":
            if hits == 1:
                return 500, {"Content-Type": "text/plain"}, b"Internal Server Error"
            return None
        kind, value = fault
        if kind == "301":
            location = value if "://" in str(value) else self.base_url + str(value)
            return 301, {"Location": location, "Content-Type": HTML}, b""
        if kind == "slow":
            time.sleep(float(value))
            return None
        raise ValueError(f"unknown fault {fault!r} for {key}")


def _cookies(header: str) -> dict[str, str]:
    """Cookie header -> name: value (lenient: values may hold any character but ';')."""
    pairs = (part.strip().partition("=") for part in header.split(";"))
    return {name: value for name, sep, value in pairs if sep and name}


class _Handler(BaseHTTPRequestHandler):
    replica: ReplicaServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        status, headers, body = self.replica.respond(
            self.command, self.path, dict(self.headers.items())
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Stay quiet: tests read `requests` instead."""
