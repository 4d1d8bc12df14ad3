"""Short messages the offline model writes: support replies, announcements, chat posts and
rewrites in another tone, each from the facts the task gives."""

from __future__ import annotations

import re
from typing import Any

from agents.offline.text import (
    capitalize_first,
    find_channels,
    find_emails,
    missing,
    name_from_email,
    sentences,
    strip_lead_in,
)
from agents.offline.voice import read_facts, to_reader

_CUSTOMER = ["the customer", "the user", "the client", "the requester"]


def support_reply(title: str, details: str) -> str:
    """A reply to a support question from the facts the task gives. The answer itself comes
    only from the details (what "we" say); without one, the reply carries a visible gap
    rather than steps or promises the task never gave."""
    facts = read_facts(details, _CUSTOMER, group=True)
    asked = re.search(
        r"\b(?:asking|asks|asked|wants to know|question about|questions about|about)\s+(.+?)"
        r"(?:[.?!]|$)",
        title,
        re.I,
    )
    about = to_reader(asked.group(1).strip(), _CUSTOMER, group=True) if asked else ""
    if re.match(r"(?:how|whether|if|what|when|why|where|which|who)\b", about, re.I):
        opener = f"Thanks for asking {about}."
    else:
        opener = f"Thanks for reaching out{f' about {about}' if about else ''}."
    said = " ".join(s if s.endswith((".", "!", "?")) else f"{s}." for s in facts.other)
    if said.startswith("You "):
        said = "I can see that y" + said[1:]
    lines = [_support_greeting(title, details), "", " ".join(p for p in [opener, said] if p)]
    if not _ANSWER.search(details):
        lines += ["", missing("the answer to give the customer; the task does not give it")]
    lines += [
        "",
        "If anything is unclear, just reply to this message and we will sort it out together.",
        "",
        "Best regards,",
        "The Support team",
    ]
    return "\n".join(lines)


#: Details that carry the team's answer ("We support SSO ...", "You can export ...").
_ANSWER = re.compile(r"\b(?:we|we'll|we've|our|you can|you'll|please|go to|click)\b", re.I)


def _support_greeting(title: str, details: str) -> str:
    names = [n for n in (name_from_email(e) for e in find_emails(f"{title} {details}")) if n]
    named = re.search(r"\bfrom\s+([A-Z][a-z]+)\b", title)
    name = names[0] if names else (named.group(1) if named else "")
    return f"Hi {name}," if name else "Hi there,"


_GOOD_NEWS = re.compile(
    r"\b(?:launch|new|opening|opens|welcome|release|win|won|award|milestone|promotion|joins?|"
    r"joining|record|celebrat|anniversary|available)\b",
    re.I,
)


def announcement(title: str, details: str) -> str:
    """A short announcement: headline, what is happening, the details, and where to ask."""
    subject = re.sub(
        r"^.*?\bannounce(?:ment)?s?\s*(?:for|of|about|on|that)?\s*", "", strip_lead_in(title),
        flags=re.I,
    ).strip(" .")  # fmt: skip
    subject = re.sub(
        r"\s+(?:to|for|with)\s+(?:the\s+)?(?:whole\s+)?(?:team|everyone|company|staff|all "
        r"staff|employees|customers|users|org|organi[sz]ation)$|\s+(?:in|on|to)\s+#\S+$",
        "", subject, flags=re.I,
    ).strip() or "an update"  # fmt: skip
    facts = read_facts(details, [], group=False)
    body = " ".join(s if s.endswith((".", "!", "?")) else f"{s}." for s in facts.other)
    named = _named(subject)
    clause = re.search(r"\bannounce\s+that\s+(.+?)[.!]?$", title, re.I)
    if clause:
        subject = clause.group(1)
        opener = f"Please note that {subject}."
    elif _GOOD_NEWS.search(f"{subject} {details}"):
        opener = f"We're happy to announce {named}."
    else:
        opener = f"Here is an update on {named}."
    channel = (find_channels(f"{title} {details}") or [""])[0]
    ask = "Questions? Reply to this message" + (f" or ask in {channel}." if channel else ".")
    headline = capitalize_first(re.sub(r"^(?:the|our)\s+", "", subject))
    lines = [
        f"Announcement: {headline}", "",
        "Hi everyone,", "",
        opener + " " + (body or missing("when it happens and what changes for whom")), "",
        ask, "", "Thanks!",
    ]  # fmt: skip
    return "\n".join(lines)


def _named(subject: str) -> str:
    if re.match(r"(?:the|our|a|an|this|these|my|your)\b", subject, re.I):
        return subject
    if re.match(r"new\b", subject, re.I):
        return f"our {subject}"
    return f"the {subject}"


def chat_post(title: str, details: str) -> str:
    """A short chat message: what the task says to post, with the details as bullets."""
    request = strip_lead_in(title)
    request = re.sub(
        r"^(?:post|share|send|write|draft|compose|create|put|drop|announce)\s+(?:up\s+)?"
        r"(?:(?:a|an|the)\s+)?(?:(?:quick|short|slack|chat)\s+)*(?:(?:post|message|note|update)"
        r"\s+)?",
        "", request, flags=re.I,
    )  # fmt: skip
    request = re.sub(
        r"\s*\b(?:in|on|to|for|into)\s+(?:#\S+|slack|the channel|the \S+ channel)"
        r"(?:\s+(?:on|in)\s+slack)?", "", request, flags=re.I,
    ).strip(" .")  # fmt: skip
    told = re.search(r"^(?:let|tell|inform|remind|ping)\s+\S+(?:\s+know)?\s+(?:that\s+)?(.+)$",
                     strip_lead_in(title), re.I)  # fmt: skip
    if told and not re.match(r"(?:about|of|on)\b", told.group(1), re.I):
        return f"*Heads up:* {told.group(1).rstrip('. ')}."
    foreign = re.search(r"\b(?:que|qu'|dass)\s*(.+)$", request, re.I)
    if foreign:  # "Préviens #ops que la maintenance est déplacée": the news, as written
        return capitalize_first(foreign.group(1).rstrip(". ")) + "."
    said = re.match(r"(?:that|saying)\s+(.+)$", request, re.I)
    if said:
        message = capitalize_first(said.group(1).rstrip(". ")) + "."
        extra = _bullets(details)
        return "\n".join([f"*Heads up:* {message[0].lower() + message[1:]}", *extra])
    topic = re.search(r"\b(?:about|on|regarding)\s+(.+)$", request, re.I)
    if topic and not details.strip() and _GOOD_NEWS.search(topic.group(1)):
        # "a LinkedIn post about our new Lisbon office": the news is the topic itself.
        news = topic.group(1).strip(" .")
        return f"We're happy to announce {_named(news)}!"
    subject = re.sub(r"^(?:about|on|regarding)\s+", "", request, flags=re.I)
    head = details.split(":", 1)[0].strip() if ":" in details else ""
    body = details
    if head and len(head.split()) <= 4:
        body = details.split(":", 1)[1]
        subject = f"{subject} - {head}" if subject else head
    lines = [f"*{capitalize_first(subject) or 'Update'}*"]
    bullets = _bullets(body)
    lines += bullets or [missing(f"what to say about {subject or 'it'}; the task does not say")]
    return "\n".join(lines)


def _bullets(text: str) -> list[str]:
    """Several sentences become one bullet each; one sentence of short items, one per item."""
    parts = sentences(text)
    if len(parts) == 1:
        items = [i.strip(" .") for i in re.split(r"[,;\n]|\band\b", parts[0]) if i.strip(" .")]
        if len(items) > 1 and all(len(i.split()) <= 6 for i in items):
            parts = items
    return [f"• {capitalize_first(p.strip())}" for p in parts if p.strip(" .")]


_FRIENDLIER: list[tuple[str, Any]] = [
    (r"\b(?:the )?(?:candidates?|applicants?)\s+(?:must|shall|should|will need to)\s+have\b",
     "you bring"),
    (r"\b(?:the )?(?:candidates?|applicants?)\s+(?:is|are)\s+responsible for\s+(\w+?)ing\b",
     lambda m: f"you'll {base_verb(m.group(1))}"),
    (r"\b(?:the )?(?:candidates?|applicants?)\s+(?:must|shall|should|will)\b", "you'll"),
    (r"\b(?:the )?(?:candidates?|applicants?)\b", "you"), (r"\bmust have\b", "bring"),
    (r"\bis responsible for\s+(\w+?)ing\b", lambda m: f"will {base_verb(m.group(1))}"),
    (r"\brequired\b", "important"),
    (r"\bresponsibilities\b", "what you'll do"), (r"\brequirements\b", "what we're looking for"),
    (r"\bshall\b", "will"), (r"\butilize\b", "use"), (r"\bcommence(?: work)?\b", "start"),
    (r"\bplease be advised that\s*", ""), (r"\bkindly\s+", "please "),
    (r"\bwill not\b", "won't"), (r"\bdo not\b", "don't"), (r"\bcannot\b", "can't"),
    (r"\bis not\b", "isn't"), (r"\bare not\b", "aren't"), (r"\bwe are\b", "we're"),
    (r"\bin order to\b", "to"), (r"\bprior to\b", "before"), (r"\bassist\b", "help"),
]  # fmt: skip

_CONCISE: list[tuple[str, str]] = [
    (r"\bcurrently\s+", ""),
    (r"\bin the process of\s+", ""), (r"\bin order to\b", "to"),
    (r"\ba number of different\b|\ba number of\b", "several"), (r"\s+going forward\b", ""),
    (r"\bat this point in time\b", "now"), (r"\bdue to the fact that\b", "because"),
    (r"\bwould be the best fit for our needs\b", "fits us best"),
    (r"\bfor the purpose of\b", "for"), (r"\bin the event that\b", "if"),
]  # fmt: skip


def base_verb(stem: str) -> str:
    """The verb of a gerund's stem: 'manag' -> 'manage', 'plann' -> 'plan', 'build' -> 'build'."""
    if re.search(r"([bdgmnprt])\1$", stem):
        return stem[:-1]
    silent_e = re.search(r"(?:[gvzc]|[aeiou]s|at|ar|ur|ir|id|ud|ak|ok|ul|iz|ys|writ)$", stem)
    if silent_e and not re.search(r"(?:ng|rg|lg)$", stem):
        return stem + "e"
    return stem


def rewrite(title: str, details: str) -> str:
    """Rewrite the given text in the asked-for tone; without text, say what is needed."""
    lower = title.lower()
    text = details.strip()
    if not text:
        return (
            "The text to rewrite was not included in the task. Paste it into the task's "
            "description (Details) and run it again; I will keep its meaning and change the "
            "tone and length as asked."
        )
    friendly = bool(re.search(r"friendl|warm|casual|approachable|kinder|softer", lower))
    if friendly:
        for pattern, replacement in _FRIENDLIER:
            text = re.sub(pattern, replacement, text, flags=re.I)
    if re.search(r"short|concise|brief|trim|tighten", lower):
        for pattern, replacement in _CONCISE:
            text = re.sub(pattern, replacement, text, flags=re.I)
        text = " ".join(sentences(text)[:3])
    text = re.sub(r"\s{2,}", " ", capitalize_first(text)).strip()
    text = re.sub(r"([.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    if friendly and re.search(r"\b(?:won't|can't|closed|unable|not)\b", text, re.I):
        text += " Thanks for your understanding!"
    return f"Rewritten:\n\n{text}"
