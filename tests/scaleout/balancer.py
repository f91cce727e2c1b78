"""A small round-robin TCP load balancer on loopback, standing in for the Kubernetes Service.

Each client connection goes to the next backend; a backend that refuses the connection (its process is
gone) is skipped, as a Service skips a pod that left its endpoints. Bytes are copied unchanged.
"""

from __future__ import annotations

import itertools
import selectors
import socket
import socketserver
import threading
from collections import Counter


class RoundRobinBalancer:
    def __init__(self, backends: list[tuple[str, int]]):
        self.backends = backends
        self.served: Counter = Counter()
        self._next = itertools.cycle(range(len(backends)))
        self._lock = threading.Lock()
        balancer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                balancer._forward(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _connect(self) -> tuple[socket.socket, tuple[str, int]] | None:
        for _ in range(len(self.backends)):
            with self._lock:
                backend = self.backends[next(self._next)]
            try:
                return socket.create_connection(backend, timeout=2), backend
            except OSError:
                continue
        return None

    def _forward(self, client: socket.socket) -> None:
        connected = self._connect()
        if connected is None:
            client.close()
            return
        upstream, backend = connected
        with self._lock:
            self.served[backend] += 1
        upstream.settimeout(None)
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, client)
            open_sides = 2
            while open_sides:
                for key, _ in selector.select(timeout=120):
                    source, target = key.fileobj, key.data
                    try:
                        data = source.recv(65536)
                    except OSError:
                        data = b""
                    if data:
                        try:
                            target.sendall(data)
                        except OSError:
                            open_sides = 0
                            break
                    else:
                        selector.unregister(source)
                        open_sides -= 1
                        try:
                            target.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
                else:
                    if not selector.get_map():
                        break
                    continue
        client.close()
        upstream.close()
