"""The API's documentation page: Swagger UI served from a Python package, under a strict CSP.

FastAPI's default /docs loads Swagger UI from a CDN with an inline script and no CSP, on
the same origin as the web page that keeps the API key in `localStorage`: whatever that
CDN served could read the key. Here every file comes from this server (the
swagger-ui-bundle-v2 package and this folder), and the CSP allows no other script.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

DOCS_DIR = Path(__file__).resolve().parent

#: Scripts and styles only from this origin; Swagger UI sets styles through the DOM
#: (allowed) and shows its icons as data: images.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _page() -> FileResponse:
    return FileResponse(DOCS_DIR / "index.html", media_type="text/html", headers=_HEADERS)


def _init_script() -> FileResponse:
    return FileResponse(DOCS_DIR / "init.js", media_type="text/javascript", headers=_HEADERS)


class LocalDocsPage:
    """ASGI middleware that answers `GET /docs` with this page before any route is matched.

    Under the LangGraph server, `/docs` is one of the server's own routes, which no mounted
    app can shadow, and it loads its viewer from a CDN; this app's middleware runs first
    there too, so `/docs` is the local page everywhere (showing the server's /openapi.json,
    which documents both the LangGraph API and Delegate's routes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/docs" and scope["method"] == "GET":
            await _page()(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Serve the docs page at /docs, its script at /docs/init.js, Swagger UI at /docs/assets."""
    app.add_middleware(LocalDocsPage)
    app.add_api_route("/docs/init.js", _init_script, methods=["GET"], include_in_schema=False)
    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")
