"""The bare counterpart of the gateway for `bench/gateway.py`: one FastAPI app that answers
each benchmarked path with the same body from memory (no broker, no store, no auth): JSON,
or HTML for a stored page (a string)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

BODIES: dict[str, Any] = json.loads(Path(os.environ["BARE_BODIES"]).read_text())
app = FastAPI()


@app.get("/{path:path}")
async def answer(path: str, request: Request) -> Response:
    """The stored body of `/path?query`, as the gateway would serialise it."""
    key = "/" + path + (f"?{request.url.query}" if request.url.query else "")
    body = BODIES[key.replace(" ", "%20")]
    return HTMLResponse(body) if isinstance(body, str) else JSONResponse(body)
