"""Draft an email, have it approved, send it: start -> draft -> approval -> send -> finish.

Whether the email goes out is the classification's `deliver` (execute_task passes it): a
draft-only task ends after the draft is saved (the draft is the deliverable); one whose
email is to reach people goes on to the send.

Every side effect goes through the one policy gate (tools.gate.policy): the draft is saved with
`draft_email`, the message goes out with `send_email`. The gate decides by execution type:
`manual` never acts (the run stops with the written draft), `semi_automated` pauses inside
`send` with the gate's approval interrupt (tools.gate.approval's schema) and sends exactly the
approved or edited version, `fully_automated` sends without asking. The gate's ledger makes
a replayed send a no-op. Recipients must be named in the task (or the org's allowlist).
A task that names no address still gets its email written: a draft-only task ends with it,
one that asks for a send stops with it in the result until a person adds the addresses.

Run for a task (`task_id`), the task's text is the trusted input and execute_task ends the
task. Run on its own (to, subject or purpose, notes), it records a task for the email, so
the gate, the log and the sandbox outbox all show it, and ends that task itself.
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy
from pydantic import with_config
from typing_extensions import TypedDict

from agents import learning
from agents.models import get_chat_model
from agents.planner import ModelOutputError, ask_structured
from agents.prompts import task_prompt
from agents.workflow_schemas import EmailDraft
from agents.workflow_writers import EMAIL_SYSTEM, has_email_address, write_email
from graphs.context import Context
from graphs.execution_type_choice import approval_required, left_with_person, runs_as
from graphs.workflow_support import MODEL_RETRY, STUDIO_SCHEMA, close_task, log_step
from store import tasks as repo
from store.enums import ExecutionType
from store.errors import PolicyDenied
from tools.backends import ProviderError, ReplyTarget
from tools.email.message import reply_subject
from tools.gate import idempotency as ledger
from tools.gate.approval import (
    ActionSkipped,
    ApprovalRejected,
    FinishedByPerson,
    RevisionRequested,
)
from tools.gate.calls import GatedCall, TaskFacts
from tools.gate.policy import PolicyGate
from tools.toolkit import ToolRun, all_specs, backends_for

WORKFLOW = "email_drafting"
#: The step name in every idempotency key of this workflow's side effects.
STEP = WORKFLOW
TOOLS = frozenset({"draft_email", "send_email"})


@with_config(STUDIO_SCHEMA)
class EmailInput(TypedDict, total=False):
    """Write the email a task asks for (`task_id`), or one described directly."""

    task_id: str
    """A task such as 'Email john@example.com thanking him for the meeting'."""
    to: list[str]
    """Recipient addresses (when no task_id is given)."""
    subject: str
    """The subject line to use (optional)."""
    purpose: str
    """What the email is for, e.g. 'thank him for Tuesday's meeting'."""
    notes: str
    """Facts the email should use."""
    execution_type: str
    """manual (draft only), semi_automated (a person approves; the default) or fully_automated."""
    deliver: bool
    """Whether the email goes out (true) or is only drafted (false). Default: true for an
    email described directly, false for a task (execute_task passes the model's decision)."""


@with_config(STUDIO_SCHEMA)
class EmailOutput(TypedDict, total=False):
    """What happened to the email, and the email itself."""

    task_id: str
    """The task the email belongs to (created when none was given)."""
    status: str
    """sent, drafted (manual: a person sends it), rejected, denied, needs_input (written, but
    the task names no recipient), skipped (a reviewer chose not to send it), done_by_person
    (a reviewer finished the task) or failed."""
    email: dict[str, Any]
    """{to, cc, subject, body}: the version sent (edits included), else the draft."""
    draft_id: str
    """The mailbox id of the saved draft, if one was saved."""
    sent: dict[str, Any]
    """The provider's answer for the sent message: {id, message_id, ...}."""
    reason: str
    """Why it was not sent (rejected, denied, needs_input, failed)."""
    rule: str
    """The policy rule that refused it, when denied."""
    output: str
    """One readable text: what happened and the email."""


class EmailState(EmailInput, EmailOutput, total=False):
    """The whole state of one email_drafting run."""

    owns_task: bool
    """True when this run created its task, and so ends it in `finish`."""
    proposal: dict[str, Any]
    """The model's email {to, cc, subject, body}, as proposed to the gate."""
    revision_note: str | None
    """A reviewer's note ("respond"): the email is written again with it, then asked again."""


# --- the gate -----------------------------------------------------------------------------


def _facts(runtime: Runtime[Context], task_id: str) -> TaskFacts:
    ctx = runtime.context
    org_id = ctx.org_id()
    with ctx.database().session(org_id) as session:
        task = repo.get_task(session, org_id, task_id)
        return TaskFacts(
            id=task.id,
            org_id=org_id,
            title=task.title,
            description=task.description or "",
            # Untyped (run here directly, never classified): a person approves the send.
            execution_type=runs_as(task.type, task.ai_context) or ExecutionType.SEMI_AUTOMATED,
            approval_required=approval_required(task.ai_context),
            with_person_because=left_with_person(task.ai_context),
            replying_to=ReplyTarget.from_context((task.ai_context or {}).get("reply_to")),
        )


def _gated(
    runtime: Runtime[Context], task: TaskFacts, tool: str, args: dict[str, Any]
) -> tuple[PolicyGate, GatedCall]:
    """Run `tool` through the policy gate with this workflow's identity and step."""
    db = runtime.context.database()
    gate = PolicyGate(db=db, task=task, agent_id=WORKFLOW, allowed_tools=TOOLS, step=STEP)
    backends = backends_for(db, task.org_id)
    run = ToolRun(db=db, task=task, agent_id=WORKFLOW, gate=gate, backends=backends)
    spec = all_specs()[tool]
    act, reconcile = spec.act, spec.reconcile
    assert act is not None, f"{tool} is not a side effect"
    checked = spec.validate(args)
    if spec.complete is not None:  # a reply goes in the answered email's thread
        checked = spec.validate(spec.complete(run, checked))
    call = GatedCall(
        tool=tool,
        args=checked,
        run=lambda final, key: act(run, final, key),
        validate=spec.validate,
        reconcile=(lambda final, key: reconcile(run, final, key)) if reconcile else None,
    )
    return gate, call


def _stopped(exc: Exception) -> dict[str, Any]:
    """The output for a send the gate refused, a person rejected or a provider refused."""
    if isinstance(exc, PolicyDenied):
        return {"status": "denied", "rule": exc.rule, "reason": f"policy {exc.rule}: {exc.reason}"}
    if isinstance(exc, ApprovalRejected):
        return {"status": "rejected", "reason": f"a person rejected {exc.tool}: {exc.reason}"}
    assert isinstance(exc, ProviderError)
    return {"status": "failed", "reason": str(exc)}


# --- nodes --------------------------------------------------------------------------------


def start(state: EmailState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Use the given task, or record (and start) one for an email described directly."""
    if state.get("task_id"):
        return {"owns_task": False, "deliver": bool(state.get("deliver", False))}
    task_id = _create_task(state, runtime)
    return {"task_id": task_id, "owns_task": True, "deliver": bool(state.get("deliver", True))}


def draft(state: EmailState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Write the email with the model and save it as a draft through the gate."""
    task = _facts(runtime, state["task_id"])
    model = get_chat_model(runtime.context.model)
    if not has_email_address(task.text):
        written = _write_unaddressed(model, task.title, task.description, _learned(runtime))
        return _unaddressed(runtime, task, written, deliver=bool(state.get("deliver")))
    details = task.description
    if state.get("revision_note"):
        details += f"\n\nThe reviewer read the last version and asked: {state['revision_note']}"
        log_step(runtime, task.id, WORKFLOW, "draft", "revising", note=state["revision_note"])
    email = write_email(model, task.title, details, _learned(runtime))
    if state.get("subject"):
        email = email.model_copy(update={"subject": state["subject"].strip()})
    if task.replying_to is not None and task.replying_to.subject:
        email = email.model_copy(update={"subject": reply_subject(task.replying_to.subject)})
    proposal = email.model_dump(mode="json")
    update: dict[str, Any] = {"proposal": proposal, "email": proposal, "revision_note": None}
    if task.execution_type is ExecutionType.MANUAL:
        log_step(runtime, task.id, WORKFLOW, "draft", "email_written", to=email.to)
        return {**update, "status": "drafted", "reason": "manual task: a person sends it"}
    gate, call = _gated(runtime, task, "draft_email", proposal)
    try:
        saved = gate.perform(call)
    except (PolicyDenied, ProviderError) as exc:
        if isinstance(exc, ProviderError) and exc.retryable:
            raise
        return {**update, **_stopped(exc)}
    update["draft_id"] = str(saved.get("id") or "")
    if not state.get("deliver"):
        log_step(runtime, task.id, WORKFLOW, "draft", "email_drafted", draft_id=update["draft_id"])
        return {**update, "status": "drafted", "reason": "the task asks for a draft only"}
    return update


def _learned(runtime: Runtime[Context]) -> list[str]:
    """What this organization's edits of earlier emails taught (e.g. the sign-off)."""
    ctx = runtime.context
    return learning.prompt_lines(ctx.database(), ctx.org_id(), WORKFLOW)


#: Said to the model when the task names no address: write the text, leave the To line empty.
_UNADDRESSED = (
    "The task names no email address. Leave `to` and `cc` empty (a person adds the "
    "recipients) and write the email to the people the task describes."
)


def _write_unaddressed(
    model: BaseChatModel, title: str, details: str, learned: list[str]
) -> EmailDraft:
    """The email's subject and body for a task that names no recipient address; any address
    the model offers is dropped (it came from nowhere a person wrote)."""
    draft = ask_structured(
        model,
        EmailDraft,
        f"{EMAIL_SYSTEM}\n{_UNADDRESSED}",
        task_prompt(title, details, learned=learned),
    )
    subject, body = draft.subject.strip(), draft.body.strip()
    if not subject or not body:
        raise ModelOutputError("the draft needs a subject and a body")
    return EmailDraft(to=[], cc=[], subject=subject, body=body)


def _unaddressed(
    runtime: Runtime[Context], task: TaskFacts, email: EmailDraft, *, deliver: bool
) -> dict[str, Any]:
    """The written email of a task without recipients: the deliverable when the task asks
    for a draft only, else the task waits for a person to add the addresses."""
    written = email.model_dump(mode="json")
    log_step(runtime, task.id, WORKFLOW, "draft", "email_written", to=[])
    if not deliver:
        reason = "the task asks for a draft only; add the recipients when you send it"
        return {"email": written, "status": "drafted", "reason": reason}
    reason = (
        "the task names no recipient address, so the email was written but not sent "
        f'(subject "{email.subject}"; the full text is in the task\'s result). To unblock: '
        "add the recipients' addresses to the task and run it again."
    )
    return {"email": written, "status": "needs_input", "reason": reason}


def _create_task(state: EmailState, runtime: Runtime[Context]) -> str:
    """A task for an email described directly, started now (this run ends it)."""
    to = state.get("to") or []
    recipients = [to] if isinstance(to, str) else list(to)
    what = state.get("subject") or state.get("purpose") or "an email"
    details = [f"To: {', '.join(recipients)}"] if recipients else []
    for label, key in (("Subject", "subject"), ("Purpose", "purpose"), ("Notes", "notes")):
        if state.get(key):
            details.append(f"{label}: {state[key]}")  # type: ignore[literal-required]
    ctx = runtime.context
    org_id = ctx.org_id()
    with ctx.database().session(org_id) as session:
        task = repo.create_task(
            session,
            org_id,
            f"Email {', '.join(recipients) or 'someone'}: {what}",
            description="\n".join(details),
            execution_type=state.get("execution_type") or ExecutionType.SEMI_AUTOMATED,
            created_by=WORKFLOW,
        )
        repo.start_task_execution(session, org_id, task.id, WORKFLOW, "workflow", node="draft")
        return task.id


def after_draft(state: EmailState) -> Literal["approval", "finish"]:
    """On to approval unless the draft already ended the run (manual, refused, no address)."""
    return "finish" if state.get("status") else "approval"


def approval(state: EmailState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Settle what the send needs before anyone is asked: the gate's rules that need no
    person run now, so a person is never asked about a send the rules refuse. A
    semi_automated send then waits for the person inside the gate, in `send`."""
    task = _facts(runtime, state["task_id"])
    gate, call = _gated(runtime, task, "send_email", state["proposal"])
    try:
        gate.check_permission(call.tool, call.args)
        gate.check_destinations(call.tool, call.args)
        gate.check_content(call.tool, call.args)
    except PolicyDenied as exc:
        return _stopped(exc)
    needs_person = gate.needs_approval(call.tool)
    log_step(
        runtime,
        task.id,
        WORKFLOW,
        "approval",
        "send_checked",
        approval="person" if needs_person else "not needed",
    )
    return {}


def after_approval(state: EmailState) -> Literal["send", "finish"]:
    """Send unless the gate's rules refused it."""
    return "finish" if state.get("status") else "send"


def send(state: EmailState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Send through the gate: it pauses for a person when semi_automated and sends exactly
    the approved (or edited) version, once; a replay returns the recorded send."""
    task = _facts(runtime, state["task_id"])
    gate, call = _gated(runtime, task, "send_email", state["proposal"])
    try:
        sent = gate.perform(call)
    except RevisionRequested as exc:
        return {"revision_note": exc.note}
    except ActionSkipped:
        return {"status": "skipped", "reason": "a person chose not to send it"}
    except FinishedByPerson as exc:
        return {"status": "done_by_person", "reason": exc.note or "a person finished it"}
    except (PolicyDenied, ApprovalRejected, ProviderError) as exc:
        if isinstance(exc, ProviderError) and exc.retryable:
            raise  # left pending in the ledger: a later run reconciles it
        return _stopped(exc)
    key = ledger.idempotency_key(task.id, STEP, call.tool, call.args)
    recorded = ledger.lookup(runtime.context.database(), task.org_id, key)
    final = recorded.arguments if recorded is not None else call.args
    email = {k: final.get(k) for k in ("to", "cc", "subject", "body")}
    return {"status": "sent", "email": email, "sent": _provider_ids(sent)}


def _provider_ids(result: dict[str, Any]) -> dict[str, Any]:
    return {k: result[k] for k in ("id", "message_id", "thread_id") if result.get(k)}


def after_send(state: EmailState) -> Literal["draft", "finish"]:
    """Write the email again when the reviewer answered with a note; else finish."""
    return "draft" if state.get("revision_note") else "finish"


def finish(state: EmailState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Say what happened in one text; end the task when this run created it."""
    output = render_outcome(state)
    if state.get("owns_task"):
        result = {k: v for k, v in state.items() if k in EmailOutput.__annotations__}
        close_task(runtime, state["task_id"], WORKFLOW, {**result, "output": output})
    return {"output": output}


def render_outcome(state: EmailState) -> str:
    """What happened to the email, followed by the email itself."""
    status = state.get("status") or "sent"
    email = state.get("email") or {}
    headline = {
        "sent": "Email sent.",
        "drafted": "Email drafted, not sent.",
        "rejected": "Email not sent: a person rejected it.",
        "denied": "Email not sent: the policy gate refused it.",
        "needs_input": "Email written, not sent: it has no recipient yet.",
        "failed": "Email not sent: the mail service refused it.",
        "skipped": "Email not sent: a person chose to skip it.",
        "done_by_person": "Email not sent by Delegate: a person finished the task.",
    }.get(status, f"Email {status}.")
    reason = state.get("reason")
    if status == "rejected" and reason:
        note = f"Email not sent: {reason}"  # the reason already says a person rejected it
    else:
        note = f"{headline} Reason: {reason}" if reason else headline
    if not email:
        return note
    rendered = _render_email(EmailDraft.model_validate(email))
    if status in {"drafted", "needs_input"}:
        return f"{rendered}\n\n({note})"  # the written email is the deliverable: it comes first
    return f"{note}\n\n{rendered}"


def _render_email(email: EmailDraft) -> str:
    lines = [f"To: {', '.join(email.to) or '(no recipient yet)'}"]
    if email.cc:
        lines.append(f"Cc: {', '.join(email.cc)}")
    lines += [f"Subject: {email.subject}", "", email.body]
    return "\n".join(lines)


def build_graph(
    model_retry: RetryPolicy = MODEL_RETRY,
) -> StateGraph[EmailState, Context, EmailInput, EmailOutput]:
    """The uncompiled graph, so callers can compile it with their own checkpointer."""
    builder = StateGraph(
        EmailState, context_schema=Context, input_schema=EmailInput, output_schema=EmailOutput
    )
    builder.add_node("start", start)
    builder.add_node("draft", draft, retry_policy=model_retry)
    builder.add_node("approval", approval)
    builder.add_node("send", send)
    builder.add_node("finish", finish)
    builder.add_edge(START, "start")
    builder.add_edge("start", "draft")
    builder.add_conditional_edges("draft", after_draft)
    builder.add_conditional_edges("approval", after_approval)
    builder.add_conditional_edges("send", after_send)
    builder.add_edge("finish", END)
    return builder


graph = build_graph().compile(name=WORKFLOW)
