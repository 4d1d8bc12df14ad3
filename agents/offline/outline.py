"""Outlines and agendas: numbered, nested structures fitted to the subject of the task."""

from __future__ import annotations

import re

from agents.offline.text import capitalize_first, duration_minutes, listed_items, words

# fmt: off
# Section plans by kind of document: (words that select it, [(section, [subsections])]).
_OUTLINES: list[tuple[set[str], list[tuple[str, list[str]]]]] = [
    ({"onboarding", "handbook", "welcome"}, [
        ("Welcome and how to use this {s}", ["Who it is for", "What you will know after week one"]),
        ("Before day one", ["Accounts, laptop and access", "Paperwork and policies to read"]),
        ("Your first day", ["Schedule and who you will meet", "Setting up your tools"]),
        ("Your first week", ["Team rituals and meetings", "A first small task to ship"]),
        ("How we work", ["Communication channels and response times", "Where documents live"]),
        ("People and help", ["Your manager and buddy", "Who to ask for what"]),
        ("30-60-90 day checklist", ["Goals for each stage", "Check-in dates"]),
    ]),
    ({"presentation", "talk", "deck", "pitch", "slides", "keynote", "webinar"}, [
        ("Opening", ["Hook: why {t} matters now", "What the audience will take away"]),
        ("The problem", ["Who has it and how it shows up", "Cost of leaving it unsolved"]),
        ("Our approach", ["How it works", "Why it is different"]),
        ("Evidence", ["Results and numbers", "A short customer story"]),
        ("Plan and ask", ["Next steps and timeline", "What we need from the audience"]),
        ("Q&A", ["Likely questions and short answers"]),
    ]),
    ({"blog", "article", "post", "newsletter", "essay"}, [
        ("Headline and hook", ["A one-line promise to the reader"]),
        ("Why {t} matters", ["The problem or moment that prompts it"]),
        ("Main points", ["Point 1 with an example", "Point 2 with an example",
                         "Point 3 with an example"]),
        ("What it means for the reader", ["Practical takeaways"]),
        ("Closing and call to action", ["Where to learn more or what to try next"]),
    ]),
    ({"report", "proposal", "review", "analysis", "plan", "strategy", "memo"}, [
        ("Executive summary", ["The recommendation in two sentences"]),
        ("Background", ["Where things stand", "Why {t} needs attention now"]),
        ("Findings", ["What the data shows", "What we heard from people involved"]),
        ("Options", ["Option A: pros and cons", "Option B: pros and cons"]),
        ("Recommendation", ["What we propose and why", "Cost, risks and mitigations"]),
        ("Next steps", ["Owners and dates", "How we will measure success"]),
    ]),
    ({"training", "course", "workshop", "curriculum", "lesson", "class", "tutorial"}, [
        ("Goals of the {s}", ["What participants will be able to do"]),
        ("Module 1: Foundations", ["Key concepts", "A short exercise"]),
        ("Module 2: Practice", ["Guided walkthrough", "Hands-on task"]),
        ("Module 3: Going further", ["Common mistakes", "Advanced tips"]),
        ("Assessment", ["Quiz or practical check", "Feedback form"]),
        ("Resources", ["Reading list and links"]),
    ]),
    ({"policy", "guidelines", "procedure", "process", "playbook", "runbook"}, [
        ("Purpose", ["Why this {s} exists"]),
        ("Scope", ["Who and what it covers", "What it does not cover"]),
        ("Rules and steps", ["Step-by-step procedure", "Examples"]),
        ("Roles and responsibilities", ["Owner", "Approvers"]),
        ("Exceptions and escalation", ["How to request an exception"]),
        ("Review", ["How often it is reviewed and by whom"]),
    ]),
]
_GENERIC = [
    ("Introduction", ["What {t} is and who it is for", "What the reader will get from it"]),
    ("Background", ["Current situation", "Why it matters now"]),
    ("Main content", ["Key point 1", "Key point 2", "Key point 3"]),
    ("Practical details", ["Steps, owners and timing", "Resources and links"]),
    ("Summary and next steps", ["Recap", "What to do next"]),
]
# fmt: on


#: Document nouns: "Q3 strategy presentation" is a presentation about "the Q3 strategy".
_DOC_NOUNS = (
    r"(?:blog post|post|article|newsletter|essay|presentation|talk|deck|pitch|slides|keynote|"
    r"webinar|report|proposal|memo|guide|handbook|document|doc|plan|training|course|workshop|"
    r"policy|playbook|runbook|page|whitepaper|white paper|faq)"
)
_CLOSING = [
    ({"blog", "article", "post", "newsletter", "essay"},
     ("Closing and call to action", ["Where to learn more or what to try next"])),
    ({"presentation", "talk", "deck", "pitch", "slides", "keynote", "webinar"},
     ("Wrap-up and Q&A", ["The one thing to remember", "Likely questions"])),
]  # fmt: skip


def subject_from_title(title: str) -> str:
    """'Create an outline for the onboarding guide' -> 'onboarding guide'."""
    text = re.sub(
        r"^.*?\b(?:outline|agenda|structure|table of contents)\b\s*(?:for|of|on|about)?\s*",
        "",
        title.strip(),
        count=1,
        flags=re.I,
    )
    if not text or text == title.strip():
        text = re.sub(r"^\w+\s+", "", title.strip())
    text = re.sub(r"^(?:the|a|an|our|my)\s+", "", text.strip(" ."), flags=re.I)
    return text or "the topic"


def topic_of(subject: str) -> str:
    """What a document is about: 'blog post about remote work' -> 'remote work',
    'Q3 strategy presentation' -> 'the Q3 strategy', 'onboarding guide' -> 'onboarding'."""
    about = re.match(rf"^{_DOC_NOUNS}\s+(?:about|on|for|of)\s+(.+)$", subject, re.I)
    if about:
        return about.group(1)
    head = re.match(rf"^(.+?)\s+{_DOC_NOUNS}$", subject, re.I)
    if head:
        return f"the {head.group(1)}" if re.search(r"\d|[A-Z]{2}", head.group(1)) else head.group(1)
    return subject


def outline(title: str, details: str) -> str:
    """A numbered outline with subsections; listed items in the details become sections."""
    subject = subject_from_title(title)
    topic = topic_of(subject)
    items = listed_items(details)
    title_words = set(words(subject))
    if items:
        closing = next((c for keys, c in _CLOSING if keys & title_words), None)
        sections = [("Introduction", [f"Why {topic} matters", "What the reader will take away"])]
        sections += [
            (capitalize_first(item), [f"What to know about {item.lower()}", "A practical example"])
            for item in items
        ]
        sections.append(closing or ("Summary and next steps", ["Recap", "Owners and dates"]))
    else:
        sections = next((plan for keys, plan in _OUTLINES if keys & title_words), _GENERIC)
    lines = [f"Outline: {capitalize_first(subject)}", ""]
    for number, (section, subsections) in enumerate(sections, 1):
        lines.append(f"{number}. {section.format(s=subject, t=topic)}")
        for sub_number, sub in enumerate(subsections, 1):
            lines.append(f"   {number}.{sub_number} {sub.format(s=subject, t=topic)}")
    return "\n".join(lines)


#: Topics for common meetings when the task lists none (matched on the meeting's name).
_MEETING_TOPICS: list[tuple[str, list[str]]] = [
    (r"board", ["CEO update and key metrics", "Financials and runway",
                "Strategic discussion", "Approvals and votes"]),
    (r"retro", ["What went well", "What did not go well", "What we will try next"]),
    (r"design review|design crit", ["Designs to review", "Feedback and open questions"]),
    (r"standup|stand-up", ["Yesterday, today and blockers (round the table)"]),
    (r"1:1|one-on-one", ["How things are going", "Priorities and support needed",
                         "Growth and feedback"]),
    (r"kick-?off", ["Goals and scope", "Timeline and milestones", "Roles and responsibilities",
                    "Risks and open questions"]),
    (r"planning|roadmap", ["Review of last period", "Priorities for the next period",
                           "Capacity and dependencies"]),
    (r"sync|weekly|team meeting|all-hands|all hands", ["Updates from each team",
                                                        "Blockers and help needed"]),
]  # fmt: skip


def agenda(title: str, details: str) -> str:
    """A time-boxed agenda whose times add up to the meeting's length; topics from the
    details when listed, else the usual topics for that kind of meeting."""
    subject = subject_from_title(title)
    subject = re.sub(
        r"\b\d+\s*-?\s*(?:minutes?|mins?|hours?|hrs?|h)\b\s*|\b(?:half an|an|one|two)\s+hours?\s*",
        "", subject, flags=re.I,
    ).strip() or "meeting"  # fmt: skip
    total = duration_minutes(f"{title} {details}") or 30
    topics = listed_items(details) or next(
        (t for pattern, t in _MEETING_TOPICS if re.search(pattern, subject, re.I)),
        [f"Main discussion: {subject}"],
    )
    opening, closing = (5, 5) if total >= 30 else (2, 3)
    minutes = _share(total - opening - closing, len(topics))
    blocks = [("Welcome and goals for today", opening)]
    blocks += [(capitalize_first(t), m) for t, m in zip(topics, minutes, strict=True)]
    blocks.append(("Decisions, action items and owners", closing))
    lines = [f"Agenda: {capitalize_first(subject)} ({total} minutes)", ""]
    for number, (topic, length) in enumerate(blocks, 1):
        lines.append(f"{number}. {topic} ({length} min)")
    lines += ["", "Please come with your updates and any decisions you need from the group."]
    return "\n".join(lines)


def _share(total: int, count: int) -> list[int]:
    """`total` minutes split over `count` topics, in whole minutes, adding up to `total`."""
    total = max(total, count)
    base, extra = divmod(total, count)
    return [base + (1 if i < extra else 0) for i in range(count)]
