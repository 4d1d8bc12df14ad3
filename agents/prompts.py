"""Prompts for classification and execution, and the one format a task is shown to a model in."""

from __future__ import annotations

CLASSIFY_SYSTEM = """You are Delegate's planner. Decide how to handle one task.

Choose exactly one strategy:
- immediate: the AI can deliver the result now with its tools: draft, summarize, outline,
  extract, translate, rewrite, reply; send an email, post to Slack or schedule a meeting
  through an integration; read a web page.
- decompose: the task has several distinct deliverables or phases (planning a campaign,
  organizing an event, hiring, a migration). List 2 to 10 distinct subtasks, each with its
  own execution_type: fully_automated when the AI can do it alone, semi_automated when the
  AI drafts and a person approves, manual when a person must do it.
- blocked: the task needs a human or access the AI lacks: payments, purchases, phone calls,
  physical actions, signatures, in-person meetings, systems without an integration. The
  reason must say what would unblock it.

For immediate, also choose the route: the one registered workflow or agent, listed below with
when to use each, that does the work. Go by what the task asks for, in whatever language or
wording, not by the words it happens to use: "let the on-call team know ..." names no service
but is a message to people. For a message (an email, a post, an invitation) set deliver: true
when the task asks for it to reach people, false when it asks only for a draft to review.

A task marked "Part of: ..." is already a subtask of a larger one: split it again only if it
is itself a project with distinct phases; usually do it directly.

Give a confidence between 0 and 1 and a one-sentence reason.

Routes:"""


def classify_system(routes: str) -> str:
    """The classification instructions followed by the registered routes (`- name: when`)."""
    return f"{CLASSIFY_SYSTEM}\n{routes}"


EXECUTE_SYSTEM = """You are Delegate's writer. Produce the deliverable the task asks for, ready
to use: a complete draft, outline, summary, list of action items, translation or reply.
Use only facts from the task; mark anything you had to assume in [brackets]. Answer with the
deliverable itself, no preamble."""


#: Heads the preferences learned from people's edits (agents.learning), one "- " line each.
LEARNED = "Preferences learned from this organization's edits:"


def task_prompt(
    title: str,
    description: str = "",
    execution_type: str | None = None,
    parent_title: str | None = None,
    learned: list[str] | None = None,
) -> str:
    """The task as a model sees it. The offline model parses exactly these labels."""
    lines = [f"Task: {title.strip()}"]
    if parent_title and parent_title.strip():
        lines.append(f"{PART_OF} {parent_title.strip()}")
    if description and description.strip():
        lines.append(f"Details: {description.strip()}")
    if execution_type:
        lines.append(f"Execution type: {execution_type}")
    if learned:
        lines.append(LEARNED)
        lines.extend(f"- {line}" for line in learned)
    return "\n".join(lines)


def parse_learned(text: str) -> list[str]:
    """The learned preference lines of `task_prompt` text (after the LEARNED heading)."""
    lines = text.splitlines()
    if LEARNED not in lines:
        return []
    after = lines[lines.index(LEARNED) + 1 :]
    found = []
    for line in after:
        if not line.startswith("- "):
            break
        found.append(line[2:].strip())
    return found


def with_person_notes(description: str, notes: list[str]) -> str:
    """The task's details followed by the notes people gave when they sent it back to the AI
    (`delegate retry ID --note ...`), oldest first, so the model sees them in its prompt."""
    lines = [description.strip()] if description and description.strip() else []
    lines += [f"Note from a person: {note.strip()}" for note in notes if note.strip()]
    return "\n".join(lines)


#: The label of the line that names the task a subtask belongs to.
PART_OF = "Part of:"


def parse_part_of(text: str) -> str | None:
    """The parent task's title from `task_prompt` text, if the task is a subtask."""
    for line in text.splitlines():
        if line.startswith(PART_OF):
            return line[len(PART_OF) :].strip() or None
    return None


def parse_task_prompt(text: str) -> tuple[str, str]:
    """(title, details) back out of `task_prompt` text; the whole text as title otherwise."""
    title, details = "", []
    in_details = False
    for line in text.splitlines():
        if line.startswith("Task: ") and not title:
            title = line[len("Task: ") :].strip()
            in_details = False
        elif line.startswith("Details: "):
            details.append(line[len("Details: ") :])
            in_details = True
        elif line.startswith(("Execution type: ", PART_OF, LEARNED)):
            in_details = False
        elif in_details:
            details.append(line)
    if not title:
        return text.strip(), ""
    return title, "\n".join(details).strip()
