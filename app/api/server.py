"""Run the API with uvicorn: `serve` (for `delegate serve`) and `running_server` (tests)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    database_url: str | None = None,
    model: str | None = None,
    log_level: str = "info",
) -> None:
    """Serve the API (and its /docs) until interrupted; the store opens at startup."""
    import uvicorn

    from app.api.main import create_app
    from tools.provider_limits import check_limits

    check_limits()  # a bad limit stops the server here, not failing the tasks it runs
    app = create_app(database_url=database_url, model=model)
    uvicorn.run(app, host=host, port=port, log_level=log_level, lifespan="on")


@contextmanager
def running_server(
    app: Any, host: str = DEFAULT_HOST, port: int = 0, *, timeout: float = 15.0
) -> Iterator[str]:
    """Serve an ASGI app on a background thread; yields its base URL and stops it on exit.

    Port 0 picks a free port. Raises RuntimeError if the server is not up within `timeout`.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="delegate-api", daemon=True
    )
    thread.start()
    ready = threading.Event()
    waited = 0.0
    while not server.started:
        if not thread.is_alive() or waited >= timeout:
            server.should_exit = True
            thread.join(timeout)
            sock.close()
            raise RuntimeError(f"the API server did not start on {host}:{bound_port}")
        ready.wait(0.01)  # poll the started flag, bounded by `timeout`
        waited += 0.01
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
