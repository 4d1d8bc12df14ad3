"""A worker with many tasks in flight: `delegate worker --concurrency N`.

One asyncio loop keeps up to N claimed tasks in flight (graphs.async_runner): it claims,
renews leases, stops on signals and awaits each run, and each run is the graph's `invoke` in
a thread of its own, with the sync checkpointer, from its first step to its last. The loop's
executor has a thread per run in flight (plus a few for the store calls around runs); its
stock size (min(32, cores + 4): 6 threads on 2 cores) would let only six runs wait on the
model at once. Providers are protected by their own limits (tools.provider_limits), not by
the executor.

Why a run is not `ainvoke`: the graph's nodes are sync, so under `ainvoke` every step and
every checkpoint write hops from the loop to a thread and back, and the one loop thread all
runs share became their queue: with 50 runs in flight on a 1 s model, a run waited 0.4 s
(median) between the model's first answer and its second call, against 0.04-0.07 s when the
run stays in its thread (benchmarks/worker_fleet.py, PostgreSQL 1.58-1.68x -> 1.35-1.41x of
the ideal; SQLite 1.25-1.29x -> 1.22-1.25x, same CPU per task). Why not async model calls in
async nodes: through langchain-openai's async client a run's two calls cost the client a
third more CPU than the sync ones (7.4 against 5.3 ms at best, measured side by side in one
process), and CPU per task is what holds a fleet back (one process, one GIL).

Claims come in batches of the free places (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a short
write transaction on SQLite), so any number of such workers share one database.

SIGTERM (or SIGINT) stops claiming; runs in flight get `grace` seconds to finish; the claims
of those still running then are released with their lease expired, so another worker takes
them over at once (from their last checkpoint), and the worker returns. Their steps still
running in threads cannot be interrupted: the caller exits the process (app.cli does, with
status 0); a stale step that wrote anyway would be fenced off by the next owner's claim.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.worker import autopilot_cycle
from graphs.async_runner import AsyncTaskRunner, async_task_runner
from store.claims import Claim, Clock, default_owner
from store.db import Database
from store.errors import DelegateError
from store.logcontext import log_context
from store.models import utcnow

log = logging.getLogger("delegate.worker")

#: Threads beyond one per run in flight: the store calls around runs, claims, releases.
SPARE_THREADS = 8
DEFAULT_GRACE_SECONDS = 30.0


@dataclass
class FleetReport:
    """What a fleet worker did before it returned."""

    outcomes: list[dict[str, Any]] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    """Tasks still running when the grace period ended, whose claims were released."""


def run_fleet(db: Database, *, concurrency: int, **options: Any) -> FleetReport:
    """Run `serve_fleet` in a new event loop (the CLI's entry point); see there."""
    return asyncio.run(serve_fleet(db, concurrency=concurrency, **options))


async def serve_fleet(
    db: Database,
    *,
    concurrency: int,
    organization: str = "default",
    once: bool = False,
    interval: float = 5.0,
    grace: float = DEFAULT_GRACE_SECONDS,
    on_outcome: Callable[[dict[str, Any]], None] | None = None,
    owner: str | None = None,
    lease: float | None = None,
    clock: Clock = utcnow,
    autopilot_every: float | None = None,
    stop: asyncio.Event | None = None,
    handle_signals: bool = True,
    threads: int | None = None,
) -> FleetReport:
    """Keep up to `concurrency` runnable tasks in flight until none is left (`once`) or
    until `stop` is set (SIGTERM/SIGINT set it when `handle_signals`). `threads`: the size
    of the executor the graph's sync steps run in (default: one per run plus spares). A fleet
    that owns its process (`handle_signals` in the main thread, as `delegate worker` runs
    it) also freezes what its start-up left (`_freeze_start_up`)."""
    loop = asyncio.get_running_loop()
    size = threads or concurrency + SPARE_THREADS
    executor = ThreadPoolExecutor(size, thread_name_prefix="delegate-run")
    loop.set_default_executor(executor)
    stop = stop or asyncio.Event()
    handle_signals = handle_signals and threading.current_thread() is threading.main_thread()
    if handle_signals:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
    report = FleetReport()
    try:
        async with async_task_runner(
            db,
            organization=organization,
            owner=owner or default_owner("worker"),
            lease=lease,
            clock=clock,
            pool_size=concurrency + 2,
        ) as runner:
            await asyncio.to_thread(_warm_up, runner)
            if handle_signals:
                _freeze_start_up()
            fleet = _Fleet(runner, concurrency, report, on_outcome)
            await fleet.serve(stop, once=once, interval=interval, autopilot_every=autopilot_every)
            await fleet.drain(grace)
    finally:
        if handle_signals:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
        if report.released:
            # Steps still running in threads would keep asyncio.run waiting for them.
            loop.set_default_executor(ThreadPoolExecutor(1))
            executor.shutdown(wait=False, cancel_futures=True)
    return report


def _warm_up(runner: AsyncTaskRunner) -> None:
    """Build the model before claiming anything: a provider's client takes seconds to import,
    which would otherwise be spent holding the first claims. A model that cannot be built is
    left to fail each task with its reason, as in any run."""
    from agents.models import get_chat_model

    try:
        get_chat_model(runner.context.model)
    except DelegateError as exc:
        log.warning("the model could not be set up: %s", exc)


def _freeze_start_up() -> None:
    """Take what start-up left (modules, classes, the model's client: objects that live as
    long as the process) out of the garbage collector's walks (gc.freeze), after collecting
    start-up's garbage. A full collection walked them all with the GIL held, stalling every
    run in flight: 170 ms each, one or more per 200 tasks, against 20 ms once frozen."""
    gc.collect()
    gc.freeze()


class _Fleet:
    """The runs in flight of one fleet worker."""

    def __init__(
        self,
        runner: AsyncTaskRunner,
        concurrency: int,
        report: FleetReport,
        on_outcome: Callable[[dict[str, Any]], None] | None,
    ) -> None:
        self.runner = runner
        self.concurrency = concurrency
        self.report = report
        self.on_outcome = on_outcome
        self.running: dict[asyncio.Task[dict[str, Any] | None], Claim] = {}
        self.seen: set[str] = set()

    async def serve(
        self, stop: asyncio.Event, *, once: bool, interval: float, autopilot_every: float | None
    ) -> None:
        clock = self.runner.clock
        next_cycle: datetime | None = clock() if autopilot_every is not None else None
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                if next_cycle is not None and autopilot_every is not None and clock() >= next_cycle:
                    await asyncio.to_thread(
                        autopilot_cycle, self.runner.db, self.runner.organization
                    )
                    next_cycle = clock() + timedelta(seconds=autopilot_every)
                claimed = await self._claim(once=once)
                if once and not claimed and not self.running:
                    return
                full = len(self.running) >= self.concurrency
                done, _ = await asyncio.wait(
                    {*self.running, stopping},
                    timeout=None if once or full else interval,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                self._collect(done)
        finally:
            stopping.cancel()

    async def _claim(self, *, once: bool) -> list[Claim]:
        free = self.concurrency - len(self.running)
        if free <= 0:
            return []
        claimed = await asyncio.to_thread(self.runner.claim_batch, free)
        if once:  # a task re-queued for later in this pass waits for the next pass
            again = [c for c in claimed if c.task_id in self.seen]
            for claim in again:
                await asyncio.to_thread(self.runner.release, claim)
            claimed = [c for c in claimed if c.task_id not in self.seen]
        for claim in claimed:
            self.seen.add(claim.task_id)
            self.running[asyncio.create_task(self._run(claim))] = claim
        return claimed

    async def _run(self, claim: Claim) -> dict[str, Any] | None:
        with log_context(task_id=claim.task_id, org=self.runner.organization):
            try:
                return await self.runner.run_claimed(claim)
            except DelegateError as exc:  # e.g. taken over meanwhile, or it waits on a person
                log.warning("task not run: %s", exc)
            except Exception:  # one run's crash must not stop the others
                log.exception("task run crashed")
            return None

    def _collect(self, done: set[Any]) -> None:
        for finished in done:
            if finished not in self.running:
                continue  # the stop signal
            self.running.pop(finished)
            if finished.cancelled():
                continue
            outcome = finished.result()
            if outcome is not None:
                self.report.outcomes.append(outcome)
                if self.on_outcome:
                    self.on_outcome(outcome)

    async def drain(self, grace: float) -> None:
        """Let the runs in flight finish within `grace` seconds; cancel the rest, which
        releases their claims (AsyncTaskRunner.run_claimed)."""
        if not self.running:
            return
        log.info("stopping: %d run(s) in flight, %.0f s to finish", len(self.running), grace)
        done, late = await asyncio.wait(set(self.running), timeout=grace)
        self._collect(done)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        self.report.released = sorted(self.running[task].task_id for task in late)
        for task in late:
            self.running.pop(task)
        if late:
            log.warning("released %d unfinished run(s) for another worker", len(late))
