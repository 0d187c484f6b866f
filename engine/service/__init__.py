"""followup as an HTTP JSON decision service (`pip install 'followup[server]'`, then `followup serve`).

    from followup.service import ServiceConfig, create_app
    app = create_app(ServiceConfig(default_pack="proactive"))   # any ASGI server can serve it

Endpoints (OPA / GoRules decision-service conventions): POST /v1/advise,
/v1/packs/{pack}/advise, /v1/compare, /v1/plan, /v1/validate, /v1/batch;
GET /v1/packs, /health, /health/ready, /openapi.json. See docs/scale.md.
"""

from __future__ import annotations

from .app import app_from_env, create_app
from .config import ServiceConfig
from .problems import ServiceProblem

__all__ = ["create_app", "app_from_env", "ServiceConfig", "ServiceProblem"]
