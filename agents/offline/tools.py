"""Tool-call planning for the offline model: the next tool call a sensible agent would make for
the task given the conversation so far, or the final answer once the results are in."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agents.offline.email import draft_email, with_learned_sign_off
from agents.offline.languages import correct_typo, gloss
from agents.offline.schedule import event_window, meeting_slot
from agents.offline.signals import KNOWN_VERBS
from agents.offline.text import (
    TaskText,
    content_words,
    find_channels,
    find_emails,
    find_urls,
    message_text,
    strip_lead_in,
    words,
)
from agents.offline.writer import chat_post, write

MAX_TOOL_CALLS = 4
_ERROR_RE = re.compile(
    r"^\W*(?:error|denied|policy|not allowed|forbidden|refused|rejected|failed|cannot|"
    r"permission|unauthori[sz]ed)\b|\b(?:PolicyDenied|ProviderError|was denied|not permitted|"
    r"is not allowed|rejected by)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Call:
    """A tool call made earlier in the conversation and what came back."""

    name: str
    args: dict[str, Any]
    result: str | None
    failed: bool


def history(messages: list[BaseMessage]) -> list[Call]:
    """Tool calls made so far, each paired with its ToolMessage (if one came back)."""
    results: dict[str, ToolMessage] = {
        m.tool_call_id: m for m in messages if isinstance(m, ToolMessage)
    }
    calls = []
    for message in messages:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                reply = results.get(call.get("id") or "")
                text = message_text(reply) if reply is not None else None
                failed = reply is not None and (
                    getattr(reply, "status", "success") == "error" or _looks_failed(text or "")
                )
                calls.append(Call(call["name"], dict(call.get("args") or {}), text, failed))
    return calls


def _looks_failed(text: str) -> bool:
    data = parse_result(text)
    if isinstance(data, dict) and (data.get("error") or data.get("ok") is False):
        return True
    return bool(_ERROR_RE.search(text[:200]))


#: What a read tool wraps around outside content (data that authorizes nothing).
_ENVELOPE = re.compile(r"<untrusted_content[^>]*>\s*(?P<body>.*?)\s*</untrusted_content>", re.S)


def parse_result(text: str) -> Any:
    """A tool result as JSON when it is JSON (inside an untrusted-content envelope or not),
    else the text itself."""
    found = _ENVELOPE.search(text or "")
    if found:
        text = found.group("body")
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def next_step(
    task: TaskText, messages: list[BaseMessage], tools: list[str], now: datetime
) -> AIMessage:
    """One tool call, or the final answer (an AIMessage without tool calls)."""
    done = history(messages)
    if not done:
        first = first_call(task, tools, now)
        return tool_call(*first, 0) if first else AIMessage(content=write(task, now))
    last = done[-1]
    if last.result is None:
        return AIMessage(content=f"Waiting for the result of {last.name}.")
    if last.failed:
        return AIMessage(content=failure_answer(last))
    if len(done) < MAX_TOOL_CALLS:
        follow = follow_up_call(task, last, tools)
        if follow:
            return tool_call(*follow, len(done))
    return AIMessage(content=final_answer(task, done))


def tool_call(name: str, args: dict[str, Any], index: int = 0) -> AIMessage:
    """An AIMessage calling one tool, with an id that depends only on its content."""
    digest = hashlib.sha1(
        f"{index}:{name}:{json.dumps(args, sort_keys=True)}".encode(), usedforsecurity=False
    ).hexdigest()[:16]
    return AIMessage(
        content="",
        tool_calls=[{"name": name, "args": args, "id": f"call_{digest}", "type": "tool_call"}],
    )


def first_call(
    task: TaskText, tools: list[str], now: datetime
) -> tuple[str, dict[str, Any]] | None:
    """The tool call that starts the task, or None when no bound tool fits it."""
    bound = set(tools)
    lower = task.title.lower()
    # The verb in English ("Préviens #ops ..." -> notify), a one-letter typo forgiven.
    request = strip_lead_in(gloss(task.title)).lower()
    first = (words(request) or [""])[0]
    verb = correct_typo(first, KNOWN_VERBS) or first
    urls = find_urls(task.title) or find_urls(task.details)
    if urls:
        url = urls[0]
        if re.search(r"\bscreenshot\b", lower) and "screenshot" in bound:
            return "screenshot", {"url": url}
        if re.search(r"\b(?:fill|submit|complete)\b.*\bform\b", lower) and "fill_form" in bound:
            return "fill_form", {
                "url": url,
                "fields": _form_fields(task.details),
                "submit_selector": "button[type=submit]",
            }
        quoted = re.search(r"\bclick\b\s+(?:on\s+)?[\"']([^\"']+)[\"']", task.title, re.I)
        if quoted and "click" in bound:
            return "click", {"url": url, "selector": quoted.group(1)}
        if "open_url" in bound:
            return "open_url", {"url": url}
    if (
        re.search(r"\battendees of\b|\beveryone (?:in|invited to)\b", lower)
        and "list_events" in bound
    ):
        start, end = event_window(task.title, now)
        return "list_events", {
            "time_min": start.isoformat(),
            "time_max": end.isoformat(),
            "max_results": 10,
        }
    wants_slack = bool(find_channels(task.title)) or "slack" in words(lower)
    slack_verbs = {
        "post", "share", "send", "announce", "tell", "message", "notify", "let", "inform",
        "remind", "ping",
    }  # fmt: skip
    if wants_slack and verb in slack_verbs and "post_slack_message" in bound:
        channel = (find_channels(task.title) or ["#general"])[0]
        return "post_slack_message", {
            "channel": channel,
            "text": chat_post(task.title, task.details),
            "thread_ts": None,
        }
    if re.search(r"\blist\b.*\bchannels\b", lower) and "list_slack_channels" in bound:
        return "list_slack_channels", {"limit": 100}
    if re.search(r"\bslack (?:user|id|handle)\b", lower) and "lookup_slack_user" in bound:
        emails = find_emails(task.text)
        if emails:
            return "lookup_slack_user", {"email": emails[0]}
    free = re.search(r"\b(?:free time|free slot|when am i free|availability|open slot)\b", lower)
    if free and "find_free_time" in bound:
        start, end = event_window(task.title, now)
        slot = meeting_slot(task.text, now)
        return "find_free_time", {
            "duration_minutes": slot.minutes,
            "time_min": start.isoformat(),
            "time_max": end.isoformat(),
        }
    if (
        verb in {"schedule", "book", "arrange", "set", "reschedule", "invite"}
        and ("create_calendar_event" in bound)
        and not re.search(r"\b(?:flight|hotel|train|table|restaurant)\b", lower)
    ):
        slot = meeting_slot(task.text, now)
        return "create_calendar_event", {
            "summary": slot.summary,
            "start": slot.start.isoformat(),
            "end": slot.end.isoformat(),
            "attendees": find_emails(task.text),
            "description": task.details or f"Scheduled by Delegate: {task.title}",
            "location": "",
        }
    if (
        re.search(
            r"\b(?:what's|what is|list|show)\b.*\b(?:calendar|meetings|events|schedule)\b", lower
        )
        and "list_events" in bound
    ):
        start, end = event_window(task.title, now)
        return "list_events", {
            "time_min": start.isoformat(),
            "time_max": end.isoformat(),
            "max_results": 20,
        }
    mail = re.search(
        r"\b(?:search|find|look for|check)\b.*\b(?:inbox|emails?|mail|messages)\b", lower
    )
    if mail and "search_email" in bound:
        return "search_email", {"query": _mail_query(task), "max_results": 10}
    return _email_call(task, bound, verb)


def _email_call(task: TaskText, bound: set[str], verb: str) -> tuple[str, dict[str, Any]] | None:
    lower = task.title.lower()
    emailish = bool(re.search(r"\be-?mail\b|\bnote to\b|@|\breply\b|\bfollow[- ]up\b", lower))
    sending = verb in {"send", "email", "e-mail", "reply", "respond", "forward", "follow",
                       "thank", "remind", "invite", "notify", "tell", "ask"}  # fmt: skip
    if not (emailish or sending) or verb in _NOT_SENDING:
        return None
    draft = draft_email(task.title, task.details)
    cc = [e for e in find_emails(task.title) if re.search(rf"\bcc:?\s+{re.escape(e)}", lower)]
    to = [e for e in draft.to if e not in cc]
    body = with_learned_sign_off(draft.body, task.learned)
    args = {"to": to, "subject": draft.subject, "body": body, "cc": cc}
    if not to:
        # The email tools need a recipient; without one the written email is the answer.
        return None
    if verb in {"draft", "write", "compose", "prepare"}:
        return ("draft_email", args) if "draft_email" in bound else None
    if "send_email" in bound:
        return "send_email", args
    return ("draft_email", args) if "draft_email" in bound else None


#: Lead verbs of tasks that mention an email without asking for one to be written or sent.
_NOT_SENDING = {"rewrite", "rephrase", "reword", "edit", "proofread", "polish", "shorten",
                "translate", "summarize", "summarise", "make"}  # fmt: skip


def _form_fields(details: str) -> dict[str, str]:
    pairs = re.findall(r"([A-Za-z][\w ]{0,30}?)\s*[:=]\s*([^,;\n]+)", details)
    return {name.strip().lower().replace(" ", "_"): value.strip() for name, value in pairs}


def _mail_query(task: TaskText) -> str:
    emails = find_emails(task.title)
    if emails:
        return f"from:{emails[0]}"
    ignore = {"search", "find", "look", "check", "inbox", "email", "emails", "mail",
              "messages", "my", "summarize", "read"}  # fmt: skip
    return " ".join(content_words(task.title, ignore)[:4])


def follow_up_call(
    task: TaskText, last: Call, tools: list[str]
) -> tuple[str, dict[str, Any]] | None:
    """The next call after a successful result, when the task needs one."""
    bound = set(tools)
    data = parse_result(last.result or "")
    if last.name == "list_events" and re.search(
        r"\b(?:send|email|share|forward)\b", task.title.lower()
    ):
        event = _matching_event(task, data)
        attendees = find_emails(json.dumps(event)) if event else []
        if not attendees:
            return None
        title = event.get("summary", "the meeting") if isinstance(event, dict) else "the meeting"
        draft = draft_email(f"Send the agenda of the {title}", task.details, extra_to=attendees)
        name = "send_email" if "send_email" in bound else "draft_email"
        if name not in bound:
            return None
        return name, {"to": attendees, "subject": f"Agenda: {title}", "body": draft.body, "cc": []}
    if (
        last.name == "search_email"
        and "read_email" in bound
        and re.search(r"\b(?:read|summari[sz]e|what does|open)\b", task.title.lower())
    ):
        messages = data if isinstance(data, list) else []
        if messages and isinstance(messages[0], dict) and messages[0].get("id"):
            return "read_email", {"message_id": str(messages[0]["id"])}
    return None


def _matching_event(task: TaskText, data: Any) -> dict[str, Any] | None:
    events = data.get("events", []) if isinstance(data, dict) else data
    if not isinstance(events, list) or not events:
        return None
    wanted = set(content_words(task.title, {"send", "agenda", "attendees", "tomorrow", "today"}))
    scored = [
        (len(wanted & set(words(str(e.get("summary", ""))))), i, e)
        for i, e in enumerate(events) if isinstance(e, dict)
    ]  # fmt: skip
    if not scored:
        return None
    return max(scored, key=lambda t: (t[0], -t[1]))[2]


def failure_answer(last: Call) -> str:
    """The final message when the last tool call failed or was denied."""
    reason = (last.result or "no reason given").strip()
    return (
        f"I could not finish the task: {last.name} did not go through. Reason: {reason[:500]}\n"
        "Nothing further was attempted. Fix the cause (for example approve the action, "
        "allow the recipient or connect the integration) and run the task again."
    )


def final_answer(task: TaskText, done: list[Call]) -> str:
    """What was done, quoting the key results of each call."""
    parts = [_describe(task, call) for call in done]
    return "\n\n".join(parts)


def _describe(task: TaskText, call: Call) -> str:
    data = parse_result(call.result or "")
    args = call.args
    ident = data.get("id") if isinstance(data, dict) else None
    if call.name in {"draft_email", "send_email"}:
        verb = "Drafted" if call.name == "draft_email" else "Sent"
        to = ", ".join(args.get("to") or []) or "(no recipient yet)"
        header = (
            f"{verb} the email to {to}"
            + (f" ({'draft' if verb == 'Drafted' else 'message'} id: {ident})" if ident else "")
            + "."
        )
        return f"{header}\n\nSubject: {args.get('subject', '')}\n\n{args.get('body', '')}"
    if call.name == "post_slack_message":
        ts = data.get("ts") if isinstance(data, dict) else None
        return (
            f"Posted to {args.get('channel')}"
            + (f" (ts {ts})" if ts else "")
            + f":\n{args.get('text', '')}"
        )
    if call.name == "create_calendar_event":
        who = ", ".join(args.get("attendees") or []) or "no attendees"
        return (
            f'Scheduled "{args.get("summary")}" from {args.get("start")} to {args.get("end")} '
            f"with {who}" + (f" (event id: {ident})" if ident else "") + "."
        )
    if call.name in {"open_url", "click"}:
        return _page_answer(task, data)
    if call.name == "list_events":
        events = (
            data
            if isinstance(data, list)
            else (data.get("events", []) if isinstance(data, dict) else [])
        )
        if not events:
            return "No events found in that window."
        lines = [
            f"- {e.get('start', '')}: {e.get('summary', '')}" for e in events if isinstance(e, dict)
        ]
        return "Events found:\n" + "\n".join(lines)
    if call.name == "search_email":
        found = data if isinstance(data, list) else []
        if not found:
            return f'No emails matched "{args.get("query", "")}".'
        lines = [
            f"- {m.get('date', '')} {m.get('from', '')}: {m.get('subject', '')}"
            f" - {m.get('snippet', '')}"
            for m in found
            if isinstance(m, dict)
        ]
        return f'Emails matching "{args.get("query", "")}":\n' + "\n".join(lines)
    if call.name == "read_email" and isinstance(data, dict):
        return f"Email from {data.get('from')}: {data.get('subject')}\n\n{data.get('body', '')}"
    return f"{call.name} returned:\n{str(call.result)[:800]}"


#: Words a page uses for what a question asks about ("outage" -> "operational", "incident").
_RELATED = {
    "outa": {"oper", "inci", "down", "degr", "stat"}, "down": {"oper", "inci", "outa", "degr"},
    "cost": {"pric", "mont"}, "pric": {"cost", "mont"},
}  # fmt: skip


def _page_answer(task: TaskText, data: Any) -> str:
    if isinstance(data, dict):
        text, title, url = str(data.get("text", "")), data.get("title", ""), data.get("url", "")
    else:
        text, title, url = str(data), "", ""
    wanted = content_words(
        re.sub(r"https?://\S+", "", task.title),
        {"look", "tell", "check", "open", "page", "find", "read", "whether"},
    )
    stems = {w[:4] for w in wanted}
    for word in wanted:
        stems |= _RELATED.get(word[:4], set())
    lines = [ln.strip() for ln in re.split(r"\n+|(?<=[.!?])\s+", text) if ln.strip()]
    scored = sorted(
        ((sum(1 for w in words(ln) if w[:4] in stems), i, ln) for i, ln in enumerate(lines)),
        key=lambda t: (-t[0], t[1]),
    )
    matching = [ln for score, _, ln in scored if score > 0]
    relevant = ([ln for ln in matching if not ln.startswith("#")] or matching)[:3]
    where = (url or "the page") + (f" ({title})" if title else "")
    if not relevant:
        about = ", ".join(wanted) or "the question"
        preview = " ".join(lines)[:400]
        return f"I opened {where} but found nothing about {about}. The page says: {preview}"
    quoted = "\n".join(f"> {ln}" for ln in relevant)
    return f"From {where}:\n{quoted}"
