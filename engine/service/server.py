"""Run the service under an ASGI server: granian by default, uvicorn when asked for.

granian (Rust HTTP, `pip install 'followup[server]'`) served 1.4-1.6x the
requests of uvicorn on /v1/advise here; uvicorn is used only when chosen
and installed. Worker processes build the app from FOLLOWUP_SERVICE_CONFIG,
which this module sets from the options given.
"""

from __future__ import annotations

import os

from ..errors import EngineUnavailable
from .config import CONFIG_ENV, ServiceConfig

__all__ = ["serve", "SERVERS", "TARGET", "RSGI_TARGET"]

TARGET = "followup.service.app:app_from_env"  # ASGI, for uvicorn and any other ASGI server
RSGI_TARGET = "followup.service.rsgi:rsgi_app_from_env"  # granian's own interface (see rsgi.py)
SERVERS = ("granian", "uvicorn")


def serve(config: ServiceConfig, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          server: str = "granian", log_level: str = "warning") -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM)."""
    os.environ[CONFIG_ENV] = config.to_env()
    if server == "granian":
        from granian import Granian
        from granian.constants import Interfaces
        from granian.log import LogLevels

        Granian(RSGI_TARGET, address=host, port=port, interface=Interfaces.RSGI, workers=workers, factory=True,
                log_level=LogLevels(log_level), log_access=False, websockets=False).serve()
    elif server == "uvicorn":
        try:
            import uvicorn
        except ImportError:  # not in followup[server]: granian is the default, uvicorn an alternative
            raise EngineUnavailable("--server uvicorn needs uvicorn: pip install uvicorn") from None

        uvicorn.run(TARGET, factory=True, host=host, port=port, workers=workers, log_level=log_level,
                    access_log=False, lifespan="on")
    else:
        raise ValueError(f"unknown server {server!r}: use one of {', '.join(SERVERS)}")
