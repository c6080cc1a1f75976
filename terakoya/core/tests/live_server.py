"""A live server for the browser tests whose request threads never outlive a test.

Django's LiveServerThread serves with ThreadedWSGIServer, whose request threads are daemon
threads (`daemon_threads = True`). socketserver does not track daemon threads, so
`server_close()` joins none of them: a request still being handled when a test ends (a
polling htmx request, a count fragment), or a keep-alive connection the browser left open,
keeps its thread, and that thread's database connection, alive while pytest flushes the test
database and, at the end of the session, destroys it. On SQLite (an in-memory database shared
with the server threads) that shows up as "DatabaseWrapper objects created in a thread can only
be used in that same thread"; on PostgreSQL as "database is being accessed by other users" when
the test database is dropped.

Here the request threads are ordinary (tracked) threads. `finish_requests()` stops reading
from every open connection, so idle keep-alive threads end at once and busy ones end after
their current request, and joins them; each thread closes its database connections as it ends
(ThreadedWSGIServer.close_request). The `page` fixture calls it after closing the browser
context, before the test's database teardown, and `server_close()` calls it at the end.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from pytest_django.live_server_helper import LiveServer

FINISH_TIMEOUT = 30.0


class JoinedRequestsServer(ThreadedWSGIServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def request_threads(self) -> list[threading.Thread]:
        return [t for t in vars(self).get("_threads", []) if t.is_alive()]

    def finish_requests(self, timeout: float = FINISH_TIMEOUT) -> list[threading.Thread]:
        """End every request thread (see the module docstring); returns any still alive."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RD)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for thread in self.request_threads():
            thread.join(max(0.0, deadline - time.monotonic()))
        return self.request_threads()

    def server_close(self) -> None:
        self.finish_requests()
        super().server_close()


class JoinedRequestsLiveServerThread(LiveServerThread):
    server_class = JoinedRequestsServer


class TerakoyaLiveServer(LiveServer):
    """pytest-django's LiveServer, serving with JoinedRequestsServer."""

    def __init__(self, addr: str) -> None:
        super().__init__(addr, start=False)
        plain = self.thread
        self.thread = JoinedRequestsLiveServerThread(
            plain.host,
            plain.static_handler,
            connections_override=plain.connections_override,
            port=plain.port,
        )
        self.thread.daemon = True
        self.start()

    def finish_requests(self) -> list[threading.Thread]:
        httpd = getattr(self.thread, "httpd", None)
        return httpd.finish_requests() if httpd is not None else []
