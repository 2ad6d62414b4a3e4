"""The bare counterpart of the gateway for `bench/gateway.py`: one FastAPI app that answers
each benchmarked path with the same JSON body from memory (no broker, no store, no auth)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

BODIES: dict[str, Any] = json.loads(Path(os.environ["BARE_BODIES"]).read_text())
app = FastAPI()


@app.get("/{path:path}")
async def answer(path: str, request: Request) -> JSONResponse:
    """The stored body of `/path?query`, as the gateway would serialise it."""
    key = "/" + path + (f"?{request.url.query}" if request.url.query else "")
    return JSONResponse(BODIES[key.replace(" ", "%20")])
