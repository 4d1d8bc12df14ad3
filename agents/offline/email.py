"""Email drafts for the offline model: recipients, greeting, subject and a body fit to the
purpose (thanks, delay, follow-up, invitation, reminder, apology, introduction, request),
written from the facts the task gives, with a placeholder only where a fact is missing."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from agents.offline.meeting_mail import written_from_details
from agents.offline.text import capitalize_first, find_emails, missing, name_from_email
from agents.offline.voice import Facts, read_facts, to_reader

_WHO_RE = re.compile(
    r"\b(?:to|for|with|email|e-mail|message|ping|thank|remind|invite|from)\s+(?:the\s+|our\s+|"
    r"a\s+|an\s+|all\s+|my\s+|every\s+)?(?P<who>[A-Za-z][\w\- ]{1,40}?)(?=\s+(?:about|regarding|"
    r"re\b|on\b|thanking|after|asking|with|to\b|that|for|letting|saying|explaining|confirming|"
    r"and\b|reminding|inviting|telling|who\b|if\b|whether\b)|[.,:!?]|$)",
    re.IGNORECASE,
)
_TOPIC_RE = re.compile(
    r"\b(?:about|regarding|re:|concerning|on the subject of|thanking \w+ for|thank \w+ for|"
    r"follow(?:ing)?[- ]?up (?:on|about)|"
    r"for|after|asking(?: \w+)?(?: for| about)?|explaining|confirming|letting \w+ know|"
    r"inviting (?:\w+\s+){1,3}?to|invite (?:\w+\s+){1,3}?to)\s+(?P<topic>.+)$",
    re.IGNORECASE,
)
_PLURAL_GROUPS = {
    "investors", "customers", "team", "attendees", "everyone", "all", "participants",
    "partners", "stakeholders", "board", "users", "clients", "staff", "members", "engineers",
    "speakers", "vendors", "candidates", "guests", "volunteers", "managers", "folks",
}  # fmt: skip
_CUSTOMER_GROUPS = {"customers", "users", "clients", "subscribers", "buyers", "shoppers"}
_NOT_PEOPLE = {
    "email", "draft", "note", "message", "reply", "follow-up", "follow", "the", "support",
    "ticket", "support ticket", "question", "request", "in", "it", "this", "that", "them",
    "for", "about", "to", "with", "on", "regarding", "after",
}  # fmt: skip
_EVENT_RE = re.compile(
    r"\b(meeting|call|demo|chat|conversation|interview|visit|session|workshop|lunch|dinner|"
    r"coffee|presentation|pitch|sync|catch-up|review|webinar|event|conference|talk)\b",
    re.I,
)
_WHEN_RE = re.compile(
    r"\s*\b(yesterday|today|this (?:morning|afternoon|week)|last (?:week|night|\w+day)|"
    r"on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.I,
)
SIGN_OFF = "Best regards,"


@dataclass
class EmailDraft:
    """A complete email: who it goes to, subject and body."""

    to: list[str]
    subject: str
    body: str
    cc: list[str] = field(default_factory=list)
    to_label: str = ""

    def as_text(self) -> str:
        """The draft as plain text with To/Subject headers."""
        recipients = (
            ", ".join(self.to) if self.to else self.to_label or missing("the recipient's address")
        )
        head = [f"To: {recipients}"]
        if self.cc:
            head.append(f"Cc: {', '.join(self.cc)}")
        head.append(f"Subject: {self.subject}")
        return "\n".join(head) + "\n\n" + self.body


@dataclass
class _Context:
    """What a body is written from: the topic, the facts and who reads it."""

    topic: str
    facts: Facts
    title: str
    group: bool


def recipient_phrase(title: str) -> str:
    """Who the email is for when no address is given ('customer', 'investors', 'John')."""
    for match in _WHO_RE.finditer(title):
        who = re.sub(r"^(?:(?:to|the|our|a|an|all|my|every)\s+)+", "", match.group("who").strip())
        who = re.sub(r"^\w+ing\s+", "", who)
        who = re.split(r"\s+(?:a|an|the|some)\s+|\s+\w+ing\b", who)[0].strip()
        if not who or "@" in who or who.lower() in _NOT_PEOPLE or who.lower().startswith("you"):
            continue
        first = who.split()[0].lower()
        if first in {"a", "an", "the", "email", "draft", "follow-up", "short", "quick"}:
            continue
        if first in {"support", "ticket", "question", "request"}:
            continue
        return who
    return ""


def greeting(emails: list[str], who: str) -> str:
    """'Hi John,' from john@example.com; 'Hi team,' or 'Hi all,' for groups; 'Hello,' else."""
    names = [n for n in (name_from_email(e) for e in emails) if n]
    if names:
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"Hi {joined},"
    if who and who[0].isupper() and " " not in who:
        return f"Hi {who},"
    last = who.lower().split()[-1] if who else ""
    if last == "team":
        return "Hi team,"
    if last in _CUSTOMER_GROUPS:
        return "Hello,"
    if last in _PLURAL_GROUPS or (last.endswith("s") and len(last) > 3):
        return "Hi all,"
    return "Hello,"


def email_topic(title: str) -> str:
    """What the email is about: the words after 'about', 'for', 'after' ... in the title."""
    match = _TOPIC_RE.search(title)
    topic = match.group("topic") if match else ""
    topic = re.sub(r"\s*\b(?:to|for)\s+\S+@\S+", "", topic)
    topic = re.sub(r"^(?:him|her|them|you)\s+(?:for|about)\s+", "", topic.strip())
    return topic.strip(" .!?")


#: "reschedule our Thursday call to next Monday at 10am": the meeting and its new time.
_RESCHEDULE_RE = re.compile(
    r"\b(?:reschedul\w*|move|push(?: back)?|postpone|shift)\s+(?P<what>(?:our|the|my|this|that|"
    r"his|her|their|your|tomorrow's|today's)\b.+?)\s+(?:to|until|till)\s+(?P<when>.+?)[.!]?$",
    re.I,
)
#: "tell them the deploy is done", "let Ana know that the room moved": the news itself.
_NEWS_RE = re.compile(
    r"\b(?:(?:tell(?:ing)?|inform(?:ing)?|notify(?:ing)?)\s+(?:him|her|them|everyone|everybody|"
    r"all|us|the\s+[\w-]+|[A-Z][\w-]+)|let(?:ting)?\s+(?:him|her|them|everyone|the\s+[\w-]+|"
    r"[A-Z][\w-]+)\s+know)\s+(?:that\s+)?(?P<news>\S.+?)[.!]?$",
)


def _purpose(lower: str) -> str:
    if _RESCHEDULE_RE.search(lower):
        return "reschedule"
    rules = [
        ("thanks", r"\bthank|\bgrateful|\bappreciat"),
        ("delay", r"\bdelay|\bpostpone|\bpushed back|\brunning late|\bslip"),
        ("apology", r"\bapolog|\bsorry"),
        ("follow_up", r"follow[- ]?up|following up|\bcheck in\b"),
        ("invitation", r"\binvit"),
        ("reminder", r"\bremind|\bdeadline|\bdue\b"),
        ("introduction", r"\bintroduc|\bintro\b"),
        ("welcome", r"\bwelcome"),
        ("agenda", r"\bagenda\b"),
        ("request", r"\bask(?:ing)?\b|\brequest"),
    ]
    return next((name for name, pattern in rules if re.search(pattern, lower)), "update")


def draft_email(title: str, details: str = "", extra_to: list[str] | None = None) -> EmailDraft:
    """A ready-to-send email for the task."""
    emails = find_emails(title) or find_emails(details)
    to = list(dict.fromkeys(emails + list(extra_to or [])))
    who = recipient_phrase(title)
    names = [n for n in (name_from_email(e) for e in emails) if n]
    if who and who[0].isupper() and " " not in who:
        names.append(who)
    group = len(to) > 1 or (not names and bool(who) and who.lower().split()[-1].endswith("s"))
    # An introduction talks about each reader by name: only one reader is "you".
    reader = names[:1] if len(to) <= 1 else []
    if who and not names:
        reader = [f"the {who.lower()}"]
    ctx = _Context(email_topic(title), read_facts(details, reader, group), title, group)
    written = written_from_details(title, details)
    if written is not None:
        subject, paragraphs = written
    else:
        subject, paragraphs = _BODIES[_purpose(title.lower())](ctx)
    body = "\n\n".join([greeting(to, who), *[p for p in paragraphs if p], SIGN_OFF])
    label = f"the {who.lower()} (no address given)" if who and not to else ""
    return EmailDraft(to=to, subject=subject, body=_tidy(body), to_label=label)


def _tidy(text: str) -> str:
    text = re.sub(r"\b(\w+) \1\b", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text)


def _other(ctx: _Context) -> str:
    """The remaining facts of the details as one paragraph."""
    return " ".join(s if s.endswith((".", "!", "?")) else f"{s}." for s in ctx.facts.other)


def _promises(ctx: _Context, lead: str = "As agreed, I will") -> str:
    commitments = ctx.facts.commitments
    if not commitments:
        return ""
    joined = commitments[0] if len(commitments) == 1 else (
        ", ".join(commitments[:-1]) + " and " + commitments[-1]
    )  # fmt: skip
    return f"{lead} {joined}."


def _the(text: str) -> str:
    """'new pricing page' -> 'the new pricing page'; keeps 'our demo day', 'Q3 results'."""
    if re.match(r"(?:the|a|an|our|my|your|this|that|these|those|their)\b", text, re.I):
        return text
    return f"the {text}"


def _bare(text: str) -> str:
    return re.sub(r"^(?:the|a|an|our|my|your|this|that)\s+", "", text, flags=re.I)


def _thanks(ctx: _Context) -> tuple[str, list[str]]:
    what = ctx.topic
    event = _EVENT_RE.search(what)
    discussed = ctx.facts.discussed
    if event:
        noun = event.group(1).lower()
        when = _WHEN_RE.search(what)
        when_text = f" {when.group(1)}" if when else ""
        about = f" about {discussed}" if discussed and len(discussed.split()) <= 6 else ""
        opener = f"Thank you for taking the time for the {noun}{when_text}."
        opener += (
            f" I really appreciated the conversation about {discussed} and your perspective."
            if discussed
            else " I really appreciated the open conversation and your perspective."
        )
        close = _promises(ctx) or "I will follow up with the next steps shortly."
        return f"Thank you for the {noun}{about}", [
            opener,
            _other(ctx),
            close + " If anything else would help in the meantime, just reply to this email.",
        ]
    thing = what or "your help"
    if re.match(r"the\s", thing, re.I):
        thing = f"all your help with {thing}"  # "the charity run": thank people, not the run
    return f"Thank you for {re.sub(r'^all ', '', thing)}", [
        f"Thank you for {thing}. It made a real difference for us, and I wanted you to know "
        "it was noticed.",
        _other(ctx),
        _promises(ctx, "As promised, I will")
        or "If there is ever anything I can do in return, please let me know.",
    ]


def _delay(ctx: _Context) -> tuple[str, list[str]]:
    thing = re.sub(r"\b(?:delay|delays|delayed)\b", "", ctx.topic).strip()
    thing = _bare(thing) or "order"
    if re.fullmatch(r"shipping|delivery|shipment|order", thing, re.I):
        thing = "order"
    facts = _other(ctx)
    lines = [
        f"I want to let you know that {'your' if thing == 'order' else 'the'} {thing} is "
        "delayed. We are sorry: we know you were counting on the original date.",
        facts or f"The new expected date is {missing('the new date')}.",
        "We will keep you updated if anything changes. If the delay causes problems for you, "
        "reply to this email and we will find a way to help.",
    ]
    label = "your order" if thing == "order" else f"the {thing}"
    return f"An update on {label}: new delivery date" if thing == "order" else (
        f"An update on the {thing} timeline"
    ), lines  # fmt: skip


def _follow_up(ctx: _Context) -> tuple[str, list[str]]:
    topic = ctx.topic or "our conversation"
    event = _EVENT_RE.search(ctx.topic)
    if event:
        opener = f"Thank you again for your time at {_the(topic)}."
    else:
        opener = f"I wanted to follow up on {_the(topic)}."
    recap = f"To recap, we discussed {ctx.facts.discussed}." if ctx.facts.discussed else ""
    return f"Following up on {_the(topic)}", [
        " ".join(p for p in [opener, recap] if p),
        _other(ctx),
        _promises(ctx, "As promised, I will"),
        "Let me know if you have any questions; I am happy to set up a short call if that "
        "would help.",
    ]


def _invitation(ctx: _Context) -> tuple[str, list[str]]:
    event = ctx.topic or "our event"
    facts = _other(ctx)
    return f"Invitation: {capitalize_first(_bare(event))}", [
        f"We would love for you to join us for {event}.",
        facts or f"The date, time and place: {missing('the date, time and place')}.",
        "Please let us know whether you can make it." if "rsvp" not in facts.lower() else "",
    ]


def _reminder(ctx: _Context) -> tuple[str, list[str]]:
    what = ctx.topic or "the upcoming deadline"
    facts = _other(ctx)
    return f"Reminder: {capitalize_first(_bare(what))}", [
        f"A quick reminder about {_the(what)}."
        + ("" if facts else " Please make sure it is taken care of in time."),
        facts,
        "If you have already taken care of it, thank you and please ignore this note. "
        "Otherwise, please reply if anything is blocking you so we can help.",
    ]


def _apology(ctx: _Context) -> tuple[str, list[str]]:
    what = ctx.topic or "the recent issue"
    facts = _other(ctx)
    return f"Our apologies for {_the(what)}", [
        f"I am sorry about {_the(what)}. That is not the experience we want you to have.",
        facts or f"What happened: {missing('what happened and what is being done about it')}.",
        _promises(ctx, "To make it right, we will"),
        "Thank you for your patience. If there is anything else we can do, please reply.",
    ]


def _introduction(ctx: _Context) -> tuple[str, list[str]]:
    names = [n for n in (name_from_email(e) for e in find_emails(ctx.title)) if n]
    pair = f"{names[0]} and {names[1]}" if len(names) >= 2 else "you two"
    subject = f"Introduction: {pair}" if len(names) >= 2 else (
        f"Introduction: {capitalize_first(_bare(ctx.topic or 'connecting you two'))}"
    )  # fmt: skip
    return subject, [
        "I would like to introduce you to each other.",
        _other(ctx)
        or "I think you would both benefit from a short conversation, so I am connecting you here.",
        "I will let you take it from here.",
    ]


def _welcome(ctx: _Context) -> tuple[str, list[str]]:
    facts = _other(ctx)
    return "Welcome aboard!", [
        "Welcome to the team! We are glad you are here.",
        facts or f"Your first day: {missing('the start time and place')}.",
        "If you have any questions before you start, just reply to this email.",
    ]


#: Sentences of the details that are not agenda items: the instruction itself (it names the
#: recipients), a drafted agenda's heading, and its closing request.
_NOT_AN_ITEM = re.compile(
    r"^(?:agenda\b|please\b|(?:e-?mail|send|share|forward)\b.*\bagenda\b)", re.I
)


def _agenda(ctx: _Context) -> tuple[str, list[str]]:
    topics = [s for s in ctx.facts.other if not find_emails(s) and not _NOT_AN_ITEM.match(s)]
    items = topics or [
        "Welcome and goals (5 min)", "Updates (10 min)", "Main discussion (10 min)",
        "Decisions and next steps (5 min)",
    ]  # fmt: skip
    listing = "\n".join(f"{i}. {item.rstrip('.')}" for i, item in enumerate(items, 1))
    found = re.search(
        r"\b((?:(?:tomorrow|today|monday|tuesday|wednesday|thursday|friday)'s|the|our)\s+"
        r"(?:[\w'-]+\s+){0,2}?(?:meeting|sync|review|standup|call|session|workshop|retro))\b",
        re.sub(r"^.*\battendees of\s+", "", ctx.title),
        re.IGNORECASE,
    )
    meeting = found.group(1).strip() if found else "our meeting"
    return f"Agenda: {capitalize_first(meeting)}", [
        f"Here is the agenda for {meeting}:", listing,
        "Please reply if you would like to add a topic.",
    ]  # fmt: skip


def _request(ctx: _Context) -> tuple[str, list[str]]:
    topic = ctx.topic or "a quick favour"
    asking = re.search(r"\bask(?:ing)?(?: \w+)? for\b", ctx.title, re.I)
    if asking and ctx.topic:
        opener = f"I am reaching out to ask for {_the(topic)}."
        it = "them" if re.search(r"[^s]s$", topic) else "it"
        close = f"Could you send {it} over when you have a moment? Thank you in advance."
    else:
        opener = f"I am reaching out with a request about {_the(topic)}."
        close = "Could you let me know whether that works for you? Thank you in advance."
    return f"Request: {capitalize_first(_bare(topic))}", [opener, _other(ctx), close]


def _reschedule(ctx: _Context) -> tuple[str, list[str]]:
    found = _RESCHEDULE_RE.search(ctx.title)
    assert found is not None  # the purpose is "reschedule" only when it matches
    what, when = found.group("what").strip(), found.group("when").strip()
    return f"New time for {what}: {when}", [
        f"I need to reschedule {what}. Would {when} work for you instead?",
        _other(ctx),
        "If that time does not suit you, just suggest another and I will update the invitation.",
    ]


def _update(ctx: _Context) -> tuple[str, list[str]]:
    news = _NEWS_RE.search(ctx.title)
    facts = _other(ctx)
    if news:
        said = to_reader(news.group("news"), [], ctx.group)
        return capitalize_first(said), [
            f"I wanted to let you know that {said}.",
            facts,
            _promises(ctx, "Next, I will"),
            "Let me know if you have any questions.",
        ]
    if not ctx.topic and not facts:
        gap = missing("what this email should say; the task gives no topic or details")
        return "An update", [gap, "Let me know if you have any questions."]
    what = ctx.topic or "an update"
    opener = f"I am writing about {_the(what)}."
    if not facts:
        opener += " " + missing(f"what to say about {_the(what)}; the task does not say")
    return capitalize_first(_bare(what)), [
        opener,
        facts,
        _promises(ctx, "Next, I will"),
        "Let me know if you have any questions.",
    ]


_BODIES: dict[str, Callable[[_Context], tuple[str, list[str]]]] = {
    "thanks": _thanks, "delay": _delay, "follow_up": _follow_up, "invitation": _invitation,
    "reminder": _reminder, "apology": _apology, "introduction": _introduction,
    "welcome": _welcome, "agenda": _agenda, "request": _request, "update": _update,
    "reschedule": _reschedule,
}  # fmt: skip


#: A learned preference naming the sign-off line an email ends with (agents.learning).
_LEARNED_SIGN_OFF = re.compile(r'sign-off line: "(?P<line>[^"]+)"')


def with_learned_sign_off(body: str, learned: tuple[str, ...]) -> str:
    """The email body ending with the sign-off a learned preference names, if any."""
    for preference in learned:
        found = _LEARNED_SIGN_OFF.search(preference)
        if found and not body.rstrip().endswith(found["line"]):
            body = f"{body.rstrip()}\n{found['line']}"
    return body
