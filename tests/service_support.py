"""A real `followup serve` process on 127.0.0.1 and a tiny HTTP client for the service tests."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FOLLOWUP = Path(sys.executable).with_name("followup")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]

    def call(self, path: str, body: Any = None, *, raw: bytes | None = None, method: str | None = None,
             content_type: str = "application/json", timeout: float = 60) -> Answer:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": content_type} if data is not None else {}
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Answer(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
        except urllib.error.HTTPError as e:
            return Answer(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())


@contextlib.contextmanager
def running(*args: str, env: dict[str, str] | None = None, log: Path | None = None) -> Iterator[Server]:
    """`followup serve ARGS` on a free port, ready to answer; stopped (SIGTERM, then SIGKILL) afterwards."""
    for _attempt in range(3):  # another process may take the port between choosing and binding it
        port = free_port()
        out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
        proc = subprocess.Popen([str(FOLLOWUP), "serve", "--port", str(port), *args], stdout=out, stderr=out,
                                env={**os.environ, **(env or {})})
        server = Server(f"http://127.0.0.1:{port}", proc)
        deadline = time.monotonic() + 90
        up = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if server.call("/health/ready", timeout=5).status == 200:
                    up = True
                    break
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        if up:
            try:
                yield server
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                if log:
                    out.close()  # type: ignore[union-attr]
            return
        proc.kill()
        proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]
    raise RuntimeError("followup serve did not start" + (f": see {log}" if log else ""))
