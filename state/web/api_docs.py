"""OpenAPI docs at /api/docs, served from the swagger-ui-py wheel (Swagger UI 5).

FastAPI's default page loads Swagger UI from a CDN, which fails on air-gapped
deployments (and leaks every docs visit to a third party).
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/api/docs-assets"
SWAGGER_STATIC = Path(swagger_ui.__file__).parent / "static"


def mount_docs(api: FastAPI) -> None:
    api.mount(ASSETS, StaticFiles(directory=SWAGGER_STATIC), name="docs-assets")

    @api.get("/api/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=api.openapi_url or "/api/openapi.json",
            title=f"{api.title} docs",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
        )
