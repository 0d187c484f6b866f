"""What sending once costs: a digest to a local webhook through followup's delivery path vs the bare POST.

- post:      WebhookChannel.deliver alone (build the payload, one HTTP POST to 127.0.0.1), the floor;
- deliver:   Engine.deliver with --resend: destination lock, delivery log read, digest, write-ahead outbox
             entry (fsync), POST, delivery log record (fsync), outbox entry removed (fsync);
- skip:      Engine.deliver of a digest already delivered: lock and log read, nothing sent;
- retry:     a failed digest kept in the outbox, then retry_outbox delivering it.

Median milliseconds per call and the ratio to `post`, measured in this process, state in a temp folder
(on the same file system as the rest of the machine's temp files, so fsync cost is real).

    python benchmarks/delivery.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from followup.channels import Delivery, make_channel
from followup.delivery import retry_outbox
from followup.digest import build_digest, idempotency_key
from followup.engine import Engine
from timing import median_seconds

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT / "examples" / "just-after.yaml"
AT = "2026-11-17T16:00"


class Handler(BaseHTTPRequestHandler):
    fail = False

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(503 if Handler.fail else 204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    return median_seconds(fn, rounds) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    with tempfile.TemporaryDirectory() as state:
        os.environ["FOLLOWUP_HOME"] = state
        os.environ["FOLLOWUP_WEBHOOK_BACKOFF"] = "0"
        engine = Engine()
        advice = engine.advise(FACTS, "proactive", AT)
        target = f"webhook:{url},retries=0"
        channel = make_channel(engine.channels(), target)
        digest = build_digest(advice, {})
        key = idempotency_key(digest.case, channel.identity(None), digest.revision)
        rows: list[tuple[str, float]] = []
        rows.append(("post", median_ms(lambda: channel.deliver(Delivery(advice=advice, digest=digest,
                                                                          idempotency_key=key)), args.rounds)))
        rows.append(("deliver", median_ms(lambda: engine.deliver(advice, [target], resend=True), args.rounds)))
        engine.deliver(advice, [target])
        rows.append(("skip", median_ms(lambda: engine.deliver(advice, [target]), args.rounds)))

        def fail_then_retry() -> None:
            Handler.fail = True
            engine.deliver(advice, [target], resend=True)
            Handler.fail = False
            t = time.perf_counter()
            [(_, result)] = retry_outbox(engine.channels())
            retry_times.append((time.perf_counter() - t) * 1000)
            assert result.status == "delivered", result.detail

        retry_times: list[float] = []
        for _ in range(args.rounds):
            fail_then_retry()
        rows.append(("retry", statistics.median(retry_times)))
    server.shutdown()
    base = rows[0][1]
    print(f"{'path':<10} {'median ms':>10} {'x post':>8}")
    for name, ms in rows:
        print(f"{name:<10} {ms:>10.2f} {ms / base:>8.2f}")


if __name__ == "__main__":
    main()
