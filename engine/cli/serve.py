"""`followup serve`: the HTTP decision service (needs `pip install 'followup[server]'`)."""

from __future__ import annotations

import importlib.util

import click

from .base import cli, engine_from


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--workers", "-w", default=1, show_default=True, type=click.IntRange(min=1),
              help="Server processes (evaluation holds the GIL: one per core serves the most).")
@click.option("--server", type=click.Choice(["granian", "uvicorn"]), default="granian", show_default=True,
              help="ASGI server to run the app under.")
@click.option("--pack", "-p", "default_pack", default="conservative", show_default=True,
              help="Pack used when a request names none.")
@click.option("--max-body", default=1 << 20, show_default=True, type=click.IntRange(min=1024),
              help="Largest request body accepted, in bytes (413 beyond).")
@click.option("--max-batch", default=1000, show_default=True, type=click.IntRange(min=1),
              help="Most inputs in one /v1/batch request (413 beyond).")
@click.option("--max-days", default=366, show_default=True, type=click.IntRange(min=1),
              help="Most days one /v1/plan request may simulate (422 beyond).")
@click.option("--time-budget", default=10.0, show_default=True, type=click.FloatRange(min=0.001),
              help="Seconds one request may take (422 beyond).")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(min=0),
              help="Evaluations running at once in each process (in threads, so /health and the time budget are "
                   "served meanwhile); 0 evaluates on the event loop.")
@click.option("--inline-bytes", default=8192, show_default=True, type=click.IntRange(min=0),
              help="Decision requests (/v1/advise) up to this size that name at most 16 people are evaluated on "
                   "the event loop, skipping the hand-off to a thread (a few ms at most); 0: always in threads.")
@click.option("--decision-log", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Append one JSON line per decision to this file (personal fields masked).")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="warning", show_default=True)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, server: str, default_pack: str, max_body: int,
          max_batch: int, max_days: int, time_budget: float, threads: int, inline_bytes: int,
          decision_log: str | None, log_level: str) -> None:
    """Serve advice over HTTP: POST /v1/advise, /v1/compare, /v1/plan, /v1/validate, /v1/batch; GET /v1/packs,
    /health, /health/ready, /openapi.json (see docs/scale.md)."""
    missing = [m for m in ("starlette", server) if importlib.util.find_spec(m) is None]
    if missing:
        raise click.ClickException(f"{' and '.join(missing)} not installed: pip install 'followup[server]'"
                                   + (" uvicorn" if "uvicorn" in missing else ""))
    from ..errors import FollowupError
    from ..service.config import ServiceConfig
    from ..service.server import serve as run

    try:
        engine_from(ctx).load_pack(default_pack)  # a wrong default pack stops here, not at the first request
    except FollowupError as exc:
        raise click.ClickException(f"--pack {default_pack}: {exc}") from None
    config = ServiceConfig(default_pack=default_pack, max_body_bytes=max_body, max_batch=max_batch, max_days=max_days,
                           time_budget=time_budget, threads=threads, inline_bytes=inline_bytes,
                           decision_log=decision_log)
    click.echo(f"followup serving on http://{host}:{port} ({server}, {workers} worker{'s' * (workers != 1)}); "
               "Ctrl-C stops", err=True)
    run(config, host=host, port=port, workers=workers, server=server, log_level=log_level)
