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

The loop claims a batch of the free places, and a place whose run stopped claims its next
task itself (`_Fleet`); either way `FOR UPDATE SKIP LOCKED` on PostgreSQL, a short write
transaction on SQLite, so any number of such workers share one database.

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
    """The runs in flight of one fleet worker, each in a place of its own (a slot).

    A slot's thread carries on with the next runnable task as soon as its run stops (one
    claim of one task), without going back to the event loop: with 50 runs in flight the one
    loop thread is slow to get its turn, and a run that ended waited 0.2-0.3 s (median) for
    the loop to claim and start the next (benchmarks/worker_fleet.py). The loop claims for
    the places that are free (at start, and when a slot found nothing to do), records
    outcomes, and stops the slots."""

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
        self.running: dict[asyncio.Task[None], list[Claim]] = {}
        """Each slot's task, with the claim it works under now."""
        self.seen: set[str] = set()
        self.once = False
        self.stopping = threading.Event()
        """Set when the worker stops: no slot claims another task."""
        self.loop = asyncio.get_running_loop()

    async def serve(
        self, stop: asyncio.Event, *, once: bool, interval: float, autopilot_every: float | None
    ) -> None:
        clock = self.runner.clock
        self.once = once
        next_cycle: datetime | None = clock() if autopilot_every is not None else None
        stopping = asyncio.ensure_future(stop.wait())
        # The places stop claiming as soon as the worker is told to stop (or serving ends).
        stopping.add_done_callback(lambda _: self.stopping.set())
        try:
            while not stop.is_set():
                if next_cycle is not None and autopilot_every is not None and clock() >= next_cycle:
                    await asyncio.to_thread(
                        autopilot_cycle, self.runner.db, self.runner.organization
                    )
                    next_cycle = clock() + timedelta(seconds=autopilot_every)
                claimed = await self._claim()
                if once and not claimed and not self.running:
                    return
                done, _ = await asyncio.wait(
                    {*self.running, stopping},
                    timeout=None if once else interval,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                self._collect(done)
        finally:
            stopping.cancel()

    async def _claim(self) -> list[Claim]:
        free = self.concurrency - len(self.running)
        if free <= 0:
            return []
        kept = await asyncio.to_thread(self._claim_to_run, free)
        for claim in kept:
            current = [claim]
            self.running[asyncio.create_task(self._slot(current))] = current
        return kept

    def _claim_to_run(self, limit: int) -> list[Claim]:
        """Claim up to `limit` tasks to run now (in a thread: the loop's claims and a place's
        next). Released at once: a task a `once` pass ran already (re-queued for later in
        the pass, it waits for the next one), and any claimed after the worker was told to
        stop."""
        kept = []
        for claim in self.runner.claim_batch(limit):
            if self.stopping.is_set() or (self.once and claim.task_id in self.seen):
                self.runner.release(claim)
            else:
                self.seen.add(claim.task_id)
                kept.append(claim)
        return kept

    async def _slot(self, current: list[Claim]) -> None:
        """Run `current[0]`, then each task the slot claims next, in one thread. Cancelled
        (the grace period is over), the claim it works under is released at once, so
        another worker takes that task over from its last checkpoint; the thread cannot be
        interrupted and carries on fenced off, claiming nothing more."""
        try:
            await asyncio.to_thread(self._carry_on, current)
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.to_thread(self.runner.release, current[0]))
            raise

    def _carry_on(self, current: list[Claim]) -> None:
        """A slot's thread: run the claimed task, then claim and run the next, until none is
        runnable or the worker stops."""
        claim: Claim | None = current[0]
        while claim is not None:
            current[0] = claim
            outcome = self._run(claim)
            if outcome is not None:
                self.loop.call_soon_threadsafe(self._record, outcome)
            claim = self._next()

    def _next(self) -> Claim | None:
        if self.stopping.is_set():
            return None
        try:
            kept = self._claim_to_run(1)
        except DelegateError as exc:  # the loop claims again at its next turn
            log.warning("could not claim the next task: %s", exc)
            return None
        return kept[0] if kept else None

    def _run(self, claim: Claim) -> dict[str, Any] | None:
        with log_context(task_id=claim.task_id, org=self.runner.organization):
            try:
                return self.runner.run_claimed_here(claim)
            except DelegateError as exc:  # e.g. taken over meanwhile, or it waits on a person
                log.warning("task not run: %s", exc)
            except Exception:  # one run's crash must not stop the others
                log.exception("task run crashed")
            return None

    def _record(self, outcome: dict[str, Any]) -> None:
        self.report.outcomes.append(outcome)
        if self.on_outcome:
            self.on_outcome(outcome)

    def _collect(self, done: set[Any]) -> None:
        for finished in done:
            if finished not in self.running:
                continue  # the stop signal
            self.running.pop(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.error("a run's place stopped", exc_info=finished.exception())

    async def drain(self, grace: float) -> None:
        """Let the runs in flight finish within `grace` seconds, claiming nothing more;
        cancel the rest, which releases their claims (`_slot`)."""
        self.stopping.set()
        if not self.running:
            return
        log.info("stopping: %d run(s) in flight, %.0f s to finish", len(self.running), grace)
        done, late = await asyncio.wait(set(self.running), timeout=grace)
        self._collect(done)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        self.report.released = sorted(self.running[task][0].task_id for task in late)
        for task in late:
            self.running.pop(task)
        if late:
            log.warning("released %d unfinished run(s) for another worker", len(late))
