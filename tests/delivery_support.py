"""A real HTTP receiver on 127.0.0.1 (port 0) that records every POST with its Idempotency-Key."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = str(ROOT / "examples" / "just-after.yaml")


@dataclass
class Received:
    path: str
    key: str | None
    body: dict[str, Any]
    status: int  # what the receiver answered (0: the client was gone before the answer)


class Receiver:
    """`statuses` scripts the answers (then 200); `delays` the seconds before each answer (then `delay`);
    `hold` makes each request wait until `release()` (a stuck server) after setting `arrived`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: list[int] = []
        self.delays: list[float] = []
        self.delay = 0.0
        self.hold = False
        self.arrived = threading.Event()
        self._released = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver._lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    delay = receiver.delays.pop(0) if receiver.delays else receiver.delay
                    record = Received(self.path, self.headers.get("Idempotency-Key"), body, 0)
                    receiver.received.append(record)
                receiver.arrived.set()
                if receiver.hold:
                    receiver._released.wait(60)
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                    record.status = status
                except OSError:
                    pass  # the sender is gone (killed, or gave up waiting)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self) -> None:
        self.hold = False
        self._released.set()

    def accepted(self) -> list[Received]:
        """Requests answered 200: what a receiver that does not dedupe would have kept."""
        return [r for r in self.received if r.status == 200]

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A fresh receiver per test, stopped afterwards."""
    r = Receiver()
    yield r
    r.stop()
