"""`delegate serve`: the task API standalone under uvicorn (its start-up time is measured by
benchmarks/serve_ready.py, not asserted here)."""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

from tests.fixtures.langgraph_server import ROOT, free_port, stop_process_group, wait_until_ready

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

#: A generous bound on the wait for the server to answer; the speed goal is a benchmark's.
READY_DEADLINE_S = 60.0


class Served(NamedTuple):
    """A running `delegate serve`."""

    url: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """`delegate serve` on a free port over a fresh SQLite store."""
    # Byte-compiled as an installed package is (pip compiles at install); a fresh checkout
    # would otherwise spend the first start compiling Delegate's own modules.
    for package in ("app", "agents", "graphs", "store", "tools"):
        compileall.compile_dir(ROOT / package, quiet=1)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DELEGATE_")}
    env["DELEGATE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'delegate.db'}"
    delegate = Path(sys.executable).with_name("delegate")
    process = subprocess.Popen(
        [str(delegate), "serve", "--port", str(port), "--log-level", "warning"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, url, deadline_s=READY_DEADLINE_S, path="/api/health")
        yield Served(url)
    finally:
        stop_process_group(process)


def test_delegate_serve_answers_health(served: Served) -> None:
    assert httpx.get(f"{served.url}/api/health").json() == {"status": "ok"}


def test_delegate_serve_requires_an_api_key_for_tasks(
    served: Served,
) -> None:
    assert httpx.get(f"{served.url}/api/tasks").status_code == 401


def test_delegate_serve_publishes_its_openapi_document(
    served: Served,
) -> None:
    document = httpx.get(f"{served.url}/openapi.json").json()

    assert "/api/tasks/execute" in document["paths"]
