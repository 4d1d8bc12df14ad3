"""The approval inbox of a runner: which approvals wait, and a person's answer to one.

tools/gate/approval.py documents the payload and the answers (langchain's human-in-the-loop
schema, Agent Inbox's responses). The answer is checked here and handed to the runner's
`resume`, which claims the task and carries the run on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphs.run_protocol import awaited
from store import tasks as repo
from store.approval_decisions import recorded_decision
from store.awaited_approvals import AwaitedApproval
from store.db import Database
from store.enums import ExecutionStatus
from store.errors import Conflict, InvalidInput
from tools.gate.approval import edited_args, parse_decision, requested_action

S = ExecutionStatus
#: Answers that let the proposed (or edited) action run.
_GRANTS = frozenset({"approve", "edit"})


class ApprovalInbox:
    """Approvals for a runner that provides the store, the run's interrupt and `resume`."""

    db: Database
    org_id: str

    if TYPE_CHECKING:  # provided by graphs.runner.TaskRunner

        def _approval_interrupt(self, task_id: str) -> Any | None: ...
        def _resolve(self, task_ref: str) -> str: ...
        def _stopped_asking(self, task_id: str) -> bool: ...
        def resume(self, task_id: str, decision: Any) -> dict[str, Any]: ...
        def answer_unsaved(self, asked: AwaitedApproval, decision: Any) -> dict[str, Any]: ...

    def pending_approval(self, task_ref: str) -> dict[str, Any] | None:
        """The approval request a task's run is waiting on (an ApprovalRequest), or None."""
        return _request_of(*self._asked(self._resolve(task_ref)))

    def _asked(self, task_id: str) -> tuple[Any | None, AwaitedApproval | None]:
        """What the task waits on: the saved approval interrupt of its run, else a request
        whose interrupt was never saved (`_unsaved_request`); (None, None) for neither."""
        pending = self._approval_interrupt(task_id)
        return pending, (self._unsaved_request(task_id) if pending is None else None)

    def _unsaved_request(self, task_id: str) -> AwaitedApproval | None:
        """The request a paused task waits for whose interrupt was never saved and that no
        live run holds: its run ended its claim and died before the checkpoint (a LangGraph
        server run ends it as the interrupt is raised). Listed and answered from the store:
        the answer is kept with the request, and the run asks it again and takes it. Only
        a run this runner can carry on (`_stopped_asking`): a standalone runner does not see a
        server run's thread, and an answer it kept there would stand for the server's own."""
        asked = awaited(self.db, self.org_id, task_id)
        if asked is None or asked.claimed or asked.request is None:
            return None
        return asked if self._stopped_asking(task_id) else None

    def pending_approvals(self, limit: int = 200) -> list[dict[str, Any]]:
        """Every approval the organization's runs wait on, most recently paused first: each
        {task_id, title, parent_id, parent_title, execution_type, priority, updated_at,
        approval}, the one inbox shape of the API, the CLI and the page."""
        with self.db.session(self.org_id) as session:
            # in_progress too: an approval given whose run has not carried it out yet (the
            # approver died) stays in the inbox until a worker or a person finishes it.
            paused = [
                task
                for status in (S.PAUSED, S.IN_PROGRESS)
                for task in repo.list_tasks(session, self.org_id, status=status, limit=limit)
            ]
            rows: list[dict[str, Any]] = [
                {
                    "task_id": t.id,
                    "title": t.title,
                    "parent_id": t.parent_task_id,
                    "parent_title": (
                        repo.get_title(session, self.org_id, t.parent_task_id)
                        if t.parent_task_id
                        else None
                    ),
                    "execution_type": t.execution_type,
                    "priority": t.priority,
                    "updated_at": t.updated_at,
                }
                for t in paused
            ]
        items = []
        for row in rows:
            # A parent paused on its subtasks has no interrupt: it is not the inbox's business.
            pending, unsaved = self._asked(row["task_id"])
            payload = _request_of(pending, unsaved)
            if payload is not None:
                given = self._given_answer(row["task_id"], pending, unsaved)
                answered = given.get("type") if given is not None else None
                items.append({**row, "approval": payload, "answered": answered})
        items.sort(key=lambda item: item["updated_at"], reverse=True)
        return items

    def answer(self, task_ref: str, value: Any) -> dict[str, Any]:
        """Resume the waiting approval with any answer tools.gate.approval accepts (a
        HITLResponse, one decision, or Agent Inbox's response), checked before it is given."""
        task_id = self._resolve(task_ref)
        pending, unsaved = self._asked(task_id)
        request = _request_of(pending, unsaved)
        if request is None and _asked_elsewhere(awaited(self.db, self.org_id, task_id)):
            raise Conflict(
                f"task {task_id} waits for approval in a run this process cannot reach (a "
                "LangGraph server's): answer it there, or through DELEGATE_LANGGRAPH_URL"
            )
        if request is None:
            raise Conflict(f"task {task_id} is not waiting for approval")
        action = requested_action(request) or {"name": "", "args": {}}
        decision = parse_decision(value, action["name"])
        if decision.kind == "edit":
            decision_value: dict[str, Any] = {
                "type": "edit",
                "edited_action": {
                    "name": action["name"],
                    "args": self._validated_edit(action, decision.args),
                },
            }
        else:
            decision_value = {"type": decision.kind, "message": decision.message}
        given = self._given_answer(task_id, pending, unsaved)
        if given is not None:
            decision_value = _finishing(task_id, given, decision_value)
        if unsaved is not None:
            return self.answer_unsaved(unsaved, decision_value)
        return self.resume(task_id, decision_value)

    def approve(self, task_ref: str, edited_args: dict[str, Any] | None = None) -> dict[str, Any]:
        """Approve the waiting side effect, as proposed or with `edited_args` laid over the
        proposed arguments (e.g. {"body": "..."}); runs exactly that and continues the run."""
        if edited_args is not None and not isinstance(edited_args, dict):
            raise InvalidInput("edited arguments must be a JSON object")
        if edited_args:
            return self.answer(task_ref, {"type": "edit", "edited_action": {"args": edited_args}})
        return self.answer(task_ref, {"type": "approve"})

    def reject(self, task_ref: str, reason: str) -> dict[str, Any]:
        """Reject the waiting side effect: nothing runs and the task is blocked with `reason`."""
        reason = " ".join((reason or "").split())
        if not reason:
            raise InvalidInput("rejecting needs a reason (--reason)")
        return self.answer(task_ref, {"type": "reject", "message": reason})

    def _given_answer(
        self, task_id: str, pending: Any | None, unsaved: AwaitedApproval | None
    ) -> dict[str, Any] | None:
        """The answer a person already gave to what the task waits on (`_asked`), whose run
        has not carried it out yet (its approver died), or None."""
        if pending is not None:
            given = recorded_decision(self.db, self.org_id, task_id, pending.id)
        else:
            given = unsaved.answer if unsaved is not None else None
        return given if isinstance(given, dict) else None

    @staticmethod
    def _validated_edit(action: Any, edits: dict[str, Any]) -> dict[str, Any]:
        """The proposed arguments with the edits laid over them, checked by the tool."""
        from tools.toolkit import all_specs

        merged = edited_args(dict(action.get("args") or {}), edits)
        spec = all_specs().get(action["name"])
        return spec.validate(merged) if spec else merged


def _asked_elsewhere(asked: AwaitedApproval | None) -> bool:
    """Whether a request no run of this runner asks (`_asked` found none) is still waiting,
    with no live run holding it: its run lives where this runner does not look."""
    return asked is not None and not asked.claimed


def _request_of(pending: Any | None, unsaved: AwaitedApproval | None) -> dict[str, Any] | None:
    """The approval request (an ApprovalRequest) of what `_asked` found, or None."""
    if pending is not None:
        return dict(pending.value)
    return dict(unsaved.request or {}) if unsaved is not None else None


def _finishing(task_id: str, given: dict[str, Any], asked: dict[str, Any]) -> dict[str, Any]:
    """The answer that finishes a request a person already answered: the one given. A plain
    approve of a granted (or edited) request carries out what was granted; any other
    answer would change a decision whose effect may already be out (a reject after the
    email went), so it is refused, naming the answer given."""
    if asked == given or (asked.get("type") == "approve" and given.get("type") in _GRANTS):
        return given
    raise Conflict(
        f"task {task_id} was already answered ({given.get('type')}) and is being carried "
        "out; approve it to finish that answer"
    )
