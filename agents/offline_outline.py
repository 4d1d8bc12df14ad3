"""Outlines and agendas: numbered, nested structures fitted to the subject of the task."""

from __future__ import annotations

import re

from agents.offline_text import capitalize_first, duration_minutes, listed_items, words

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
        ("Opening", ["Hook: why {s} matters now", "What the audience will take away"]),
        ("The problem", ["Who has it and how it shows up", "Cost of leaving it unsolved"]),
        ("Our approach", ["How it works", "Why it is different"]),
        ("Evidence", ["Results and numbers", "A short customer story"]),
        ("Plan and ask", ["Next steps and timeline", "What we need from the audience"]),
        ("Q&A", ["Likely questions and short answers"]),
    ]),
    ({"blog", "article", "post", "newsletter", "essay"}, [
        ("Headline and hook", ["A one-line promise to the reader"]),
        ("Why {s} matters", ["The problem or moment that prompts it"]),
        ("Main points", ["Point 1 with an example", "Point 2 with an example",
                         "Point 3 with an example"]),
        ("What it means for the reader", ["Practical takeaways"]),
        ("Closing and call to action", ["Where to learn more or what to try next"]),
    ]),
    ({"report", "proposal", "review", "analysis", "plan", "strategy", "memo"}, [
        ("Executive summary", ["The recommendation in two sentences"]),
        ("Background", ["Where things stand", "Why {s} is needed now"]),
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
    ("Introduction", ["What {s} is and who it is for", "What the reader will get from it"]),
    ("Background", ["Current situation", "Why it matters now"]),
    ("Main content", ["Key point 1", "Key point 2", "Key point 3"]),
    ("Practical details", ["Steps, owners and timing", "Resources and links"]),
    ("Summary and next steps", ["Recap", "What to do next"]),
]
# fmt: on


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


def outline(title: str, details: str) -> str:
    """A numbered outline with subsections; listed items in the details become sections."""
    subject = subject_from_title(title)
    items = listed_items(details)
    if items:
        sections = [("Introduction", [f"Purpose of the {subject}"])]
        sections += [(capitalize_first(item), [f"Key points on {item.lower()}"]) for item in items]
        sections.append(("Summary and next steps", ["Recap", "Owners and dates"]))
    else:
        title_words = set(words(subject))
        sections = next((plan for keys, plan in _OUTLINES if keys & title_words), _GENERIC)
    lines = [f"Outline: {capitalize_first(subject)}", ""]
    for number, (section, subsections) in enumerate(sections, 1):
        lines.append(f"{number}. {section.format(s=subject)}")
        for sub_number, sub in enumerate(subsections, 1):
            lines.append(f"   {number}.{sub_number} {sub.format(s=subject)}")
    return "\n".join(lines)


def agenda(title: str, details: str) -> str:
    """A time-boxed agenda; topics from the details when listed."""
    subject = subject_from_title(title)
    total = duration_minutes(f"{title} {details}") or 30
    topics = listed_items(details) or [f"Main discussion: {subject}"]
    blocks = [("Welcome and goals for today", 5), ("Updates since last time", 5)]
    middle = max(5, total - 20)
    per_topic = max(5, middle // len(topics))
    blocks += [(capitalize_first(topic), per_topic) for topic in topics]
    blocks += [("Decisions needed", 5), ("Action items, owners and next steps", 5)]
    lines = [f"Agenda: {capitalize_first(subject)} ({total} minutes)", ""]
    for number, (topic, minutes) in enumerate(blocks, 1):
        lines.append(f"{number}. {topic} ({minutes} min)")
    lines += ["", "Please come with your updates and any decisions you need from the group."]
    return "\n".join(lines)
