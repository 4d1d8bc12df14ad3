"""Email drafts for the offline model: recipients, greeting, subject and a body fit to the
purpose (thanks, delay, follow-up, invitation, reminder, apology, introduction, request)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agents.offline_text import capitalize_first, find_emails, name_from_email, sentences

_WHO_RE = re.compile(
    r"\b(?:to|for|with|email|e-mail|message|ping|thank|remind|invite)\s+(?:the\s+|our\s+|a\s+|"
    r"all\s+|my\s+|every\s+)?(?P<who>[A-Za-z][\w\- ]{1,40}?)(?=\s+(?:about|regarding|re\b|on\b|"
    r"thanking|after|asking|with|to\b|that|for|letting|saying|explaining|confirming|and\b)|[.,:!?]|$)",
    re.IGNORECASE,
)
_TOPIC_RE = re.compile(
    r"\b(?:about|regarding|re:|concerning|on the subject of|thanking \w+ for|thank \w+ for|"
    r"for|after|asking|explaining|confirming|letting \w+ know)\s+(?P<topic>.+)$",
    re.IGNORECASE,
)
_PLURAL_GROUPS = {
    "investors", "customers", "team", "attendees", "everyone", "all", "participants",
    "partners", "stakeholders", "board", "users", "clients", "staff", "members", "engineers",
    "speakers", "vendors", "candidates", "guests", "volunteers", "managers",
}  # fmt: skip
_NOT_PEOPLE = {"email", "draft", "note", "message", "reply", "follow-up", "follow", "the"}


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
        recipients = ", ".join(self.to) if self.to else self.to_label or "[recipient]"
        head = [f"To: {recipients}"]
        if self.cc:
            head.append(f"Cc: {', '.join(self.cc)}")
        head.append(f"Subject: {self.subject}")
        return "\n".join(head) + "\n\n" + self.body


def recipient_phrase(title: str) -> str:
    """Who the email is for when no address is given ('customer', 'investors', 'John')."""
    for match in _WHO_RE.finditer(title):
        who = re.sub(r"^(?:(?:to|the|our|a|all|my|every)\s+)+", "", match.group("who").strip())
        who = re.split(r"\s+(?:a|an|the|some)\s+", who)[0]
        if "@" in who or who.lower() in _NOT_PEOPLE:
            continue
        first = who.split()[0].lower()
        if first in {"a", "an", "the", "email", "draft", "follow-up", "short", "quick"}:
            continue
        return who
    return ""


def greeting(emails: list[str], who: str) -> str:
    """'Hi John,' from john@example.com; 'Hi all,' for groups; a bracketed name otherwise."""
    names = [n for n in (name_from_email(e) for e in emails) if n]
    if names:
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"Hi {joined},"
    if who and who[0].isupper() and " " not in who:
        return f"Hi {who},"
    last = who.lower().split()[-1] if who else ""
    if last in _PLURAL_GROUPS or (last.endswith("s") and len(last) > 3):
        return "Hi all,"
    if who:
        return f"Hi [{who.lower()} name],"
    return "Hello,"


def email_topic(title: str) -> str:
    """What the email is about: the words after 'about', 'for', 'after' ... in the title."""
    match = _TOPIC_RE.search(title)
    topic = match.group("topic") if match else ""
    topic = re.sub(r"\s*\b(?:to|for)\s+\S+@\S+", "", topic)
    return topic.strip(" .!?")


def _purpose(lower: str) -> str:
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
    topic = email_topic(title) or (who and "our work together") or "the matter below"
    purpose = _purpose(title.lower())
    subject, paragraphs = _BODIES[purpose](topic, details, title)
    context = [capitalize_first(s) for s in sentences(details)] if details.strip() else []
    if context and purpose not in {"agenda"}:
        paragraphs.insert(1, " ".join(context))
    body = "\n\n".join([greeting(to, who), *paragraphs, "Best regards,\n[Your name]"])
    label = f"[{who} email]" if who and not to else ""
    return EmailDraft(to=to, subject=subject, body=body, to_label=label)


def _thanks(topic: str, details: str, title: str) -> tuple[str, list[str]]:
    what = re.sub(r"^(?:him|her|them|you)\s+for\s+", "", topic)
    event = re.search(r"\b(meeting|call|demo|chat|conversation|interview|visit|session)\b", what)
    if event:
        noun = event.group(1)
        return f"Thank you for the {noun}", [
            f"Thank you for taking the time for the {noun}. I appreciated the open conversation "
            "and your perspective on [the main topic we discussed].",
            "As agreed, I will [next step] and get back to you by [date]. If anything else would "
            "help in the meantime, just reply to this email.",
        ]
    return f"Thank you for {what or 'your help'}", [
        f"Thank you for {what or 'your help'}. It made a real difference for us, and I wanted "
        "you to know it was noticed.",
        "If there is ever anything I can do in return, please let me know.",
    ]


def _delay(topic: str, details: str, title: str) -> tuple[str, list[str]]:
    thing = re.sub(r"\b(?:delay|delays|delayed)\b", "", topic).strip() or "your order"
    thing = re.sub(r"^(?:the|a|an)\s+", "", thing)
    return f"An update on the {thing} timeline", [
        f"I want to let you know that the {thing} is delayed. We are sorry: we know you were "
        "counting on the original date.",
        "The new expected date is [new date]. The delay is caused by [short reason], and we "
        "are [what we are doing to prevent it happening again].",
        "We will keep you updated as soon as anything changes. If the delay causes problems "
        "for you, reply to this email and we will find a way to help.",
    ]


def _follow_up(topic: str, details: str, title: str) -> tuple[str, list[str]]:
    event = re.sub(r"^(?:the\s+)?", "", topic) or "our conversation"
    return f"Following up after the {event}", [
        f"Thank you again for your time at the {event}. As promised, here is a short recap: "
        "[two or three highlights, e.g. traction since we last spoke and what we are "
        "building next].",
        "I have attached [the deck / the one-pager] for reference. I would welcome 20 minutes "
        "in the next two weeks to answer your questions. Would [day] at [time] work for you?",
    ]


def _invitation(topic: str, details: str, title: str) -> tuple[str, list[str]]:
    event = topic or "our event"
    return f"Invitation: {capitalize_first(event)}", [
        f"We would love for you to join us for {event}.",
        "When: [date and time]\nWhere: [place or video link]\nWhat to expect: [short agenda]",
        "Please let us know by [RSVP date] whether you can make it.",
    ]


def _reminder(topic: str, details: str, title: str) -> tuple[str, list[str]]:
    what = topic or "the upcoming deadline"
    return f"Reminder: {capitalize_first(what)}", [
        f"A quick reminder about {what}.",
        "If you have already taken care of it, thank you and please ignore this note. "
        "Otherwise, please reply if anything is blocking you so we can help.",
    ]


def _apology(topic: str, details: str, title: str) -> tuple[str, list[str]]:
    what = topic or "the recent issue"
    return f"Our apologies regarding {what}", [
        f"I am sorry about {what}. That is not the experience we want you to have.",
        "Here is what happened: [short explanation]. Here is what we are doing about it: "
        "[fix and timeline].",
        "Thank you for your patience. If there is anything else we can do, please reply.",
    ]


def _introduction(topic: str, details: str, title: str) -> tuple[str, list[str]]:
    return f"Introduction: {capitalize_first(topic or 'connecting you two')}", [
        "I would like to introduce you to each other: [person A] works on [area], and "
        "[person B] is [role] at [company].",
        "I think you would both benefit from a short conversation about [shared interest]. "
        "I will let you take it from here.",
    ]


def _welcome(topic: str, details: str, title: str) -> tuple[str, list[str]]:
    return "Welcome aboard!", [
        "Welcome to the team! We are glad you are here.",
        "On your first day: [start time and place]. Your buddy is [name], and your first "
        "week's schedule is in your calendar.",
    ]


def _agenda(topic: str, details: str, title: str) -> tuple[str, list[str]]:
    items = [s for s in sentences(details)] or [
        "Welcome and goals (5 min)", "Updates (10 min)", "Main discussion (10 min)",
        "Decisions and next steps (5 min)",
    ]  # fmt: skip
    listing = "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))
    found = re.search(
        r"\b((?:(?:tomorrow|today|monday|tuesday|wednesday|thursday|friday)'s|the|our)\s+"
        r"(?:[\w'-]+\s+){0,2}?(?:meeting|sync|review|standup|call|session|workshop|retro))\b",
        re.sub(r"^.*\battendees of\s+", "", title),
        re.IGNORECASE,
    )
    meeting = found.group(1).strip() if found else "our meeting"
    return f"Agenda: {capitalize_first(meeting)}", [
        f"Here is the agenda for {meeting}:", listing,
        "Please reply if you would like to add a topic.",
    ]  # fmt: skip


def _request(topic: str, details: str, title: str) -> tuple[str, list[str]]:
    return f"Request: {capitalize_first(topic or 'a quick favour')}", [
        f"I am reaching out with a request about {topic or 'a quick favour'}.",
        "Could you [specific ask] by [date]? It would help us [reason].",
        "Thank you in advance.",
    ]


def _update(topic: str, details: str, title: str) -> tuple[str, list[str]]:
    what = topic or "a quick update"
    return capitalize_first(what), [
        f"I am writing about {what}.",
        "[Key point or decision], and the next step is [next step] by [date].",
        "Let me know if you have any questions.",
    ]


_BODIES = {
    "thanks": _thanks, "delay": _delay, "follow_up": _follow_up, "invitation": _invitation,
    "reminder": _reminder, "apology": _apology, "introduction": _introduction,
    "welcome": _welcome, "agenda": _agenda, "request": _request, "update": _update,
}  # fmt: skip
