"""Quality of the offline model's deliverables: facts used, no stray placeholders, readable text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool

from agents.offline.actions import action_items, decisions
from agents.offline.classifier import classify
from agents.offline.email import draft_email
from agents.offline.known import meeting_summary, report_draft
from agents.offline.model import OfflineChatModel
from agents.offline.notes import figure_parts, meeting_minutes
from agents.offline.outline import agenda
from agents.offline.text import TaskText, sentences
from agents.offline.writer import write
from agents.prompts import task_prompt

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
VENDOR_NOTES = (
    "Priya drafts the customer FAQ by Friday. Lee calls the warehouse about the delayed "
    "shipment. We decided to keep the vendor. Email the vendor (orders@vendor.com) to confirm "
    "the new date."
)


def _placeholders(text: str) -> list[str]:
    return re.findall(r"\[[^\]]+\]", text)


def _doubled_words(text: str) -> list[str]:
    return [m.group(0) for m in re.finditer(r"\b(\w+)\s+\1\b", text, re.I)]


def _items(notes: str) -> dict[str, tuple[str, str]]:
    return {i.owner: (i.action, i.due) for i in action_items(notes)}


# --- meeting notes -------------------------------------------------------------------------


def test_sentences_do_not_split_inside_email_addresses_or_titles() -> None:
    parts = sentences("Email the vendor (orders@vendor.com) to confirm. Dr. Lee calls Ana.")
    assert parts == ["Email the vendor (orders@vendor.com) to confirm.", "Dr. Lee calls Ana."]


def test_figure_statements_keep_decimals_and_addresses_whole() -> None:
    parts = figure_parts("Churn 2.1%, down from 3%. Mail orders@vendor.com for 14 units.")
    assert parts == ["Churn 2.1%, down from 3%", "Mail orders@vendor.com for 14 units"]


def test_present_tense_sentences_become_owned_action_items() -> None:
    items = _items(VENDOR_NOTES)
    assert items["Priya"] == ("draft the customer FAQ", "Friday")
    assert items["Lee"] == ("call the warehouse about the delayed shipment", "")


def test_a_decision_is_not_an_action_item() -> None:
    items = action_items(VENDOR_NOTES + " We agreed to keep the current logo.")
    assert not [i for i in items if "keep" in i.action]
    assert decisions(VENDOR_NOTES) == ["We decided to keep the vendor."]


def test_imperative_line_keeps_its_email_address_and_is_unassigned() -> None:
    items = _items(VENDOR_NOTES)
    assert items["Unassigned"][0] == "email the vendor (orders@vendor.com) to confirm the new date"


@pytest.mark.parametrize(
    ("notes", "owner", "action", "due"),
    [
        ("Ana to book the venue.", "Ana", "book the venue", ""),
        ("Tom will draft the FAQ by March 3.", "Tom", "draft the FAQ", "March 3"),
        ("Action: Sam - update the page by Monday.", "Sam", "update the page", "Monday"),
        ("@lee please send the invoice.", "Lee", "send the invoice", ""),
        ("TODO(maria): fix the login bug.", "Maria", "fix the login bug", ""),
        ("Raj to deploy the hotfix by EOD.", "Raj", "deploy the hotfix", "EOD"),
        ("Eli also needs to send the contract.", "Eli", "send the contract", ""),
    ],
)
def test_each_written_form_of_an_action_item_gives_owner_action_and_due(
    notes: str, owner: str, action: str, due: str
) -> None:
    assert _items(notes) == {owner: (action, due)}


def test_transcript_speakers_own_their_first_person_promises() -> None:
    transcript = (
        "Anna: Let's start. The launch is moved to May 10. Ben: I will update the release notes "
        "by Friday. Carl: Who owns the customer email? Anna: Carl, you take it, by Wednesday. "
        "Eli: Great, I'll hire the contractor next week."
    )
    items = _items(transcript)
    assert items["Ben"] == ("update the release notes", "Friday")
    assert items["Carl"] == ("own the customer email", "Wednesday")
    assert items["Eli"] == ("hire the contractor", "next week")
    assert "Me (note taker)" not in items


def test_minutes_list_inline_speakers_and_drop_answered_questions() -> None:
    text = meeting_minutes(
        "Write minutes from this transcript",
        "Anna: The launch is moved to May 10. Carl: Who owns the customer email? "
        "Anna: Carl, you take it, by Wednesday.",
    )
    assert "Attendees: Anna, Carl" in text
    assert "- Carl - own the customer email (due Wednesday)" in text
    assert "Open questions" not in text


def test_meeting_summary_is_prose_about_the_notes_not_the_notes_pasted() -> None:
    answer = meeting_summary(TaskText("Summarize the meeting notes", VENDOR_NOTES))
    summary = answer["summary"]
    assert "Priya will draft the customer FAQ by Friday." in summary
    assert "Priya drafts" not in summary
    owners = [i["owner"] for i in answer["action_items"]]
    assert owners == ["Priya", "Lee", "unassigned"]


# --- emails --------------------------------------------------------------------------------


def test_follow_up_about_a_topic_does_not_treat_it_as_an_event() -> None:
    draft = draft_email(
        "Draft a follow-up email to sarah@acme.com about the new pricing page",
        "We discussed the annual discount and the enterprise tier. She wants a decision by Friday.",
    )
    assert "time at the" not in draft.body
    assert "new pricing page" in draft.subject
    assert "annual discount and the enterprise tier" in draft.body
    assert "You would like a decision by Friday." in draft.body
    assert not _placeholders(draft.body)


def test_thank_you_email_uses_what_was_discussed_and_what_was_promised() -> None:
    draft = draft_email(
        "Write a thank-you email to john.smith@example.com for the meeting yesterday",
        "We talked about the Q3 roadmap and agreed that I send him the integration spec by "
        "Thursday.",
    )
    assert draft.body.startswith("Hi John,")
    assert "Q3 roadmap" in draft.body
    assert "I will send you the integration spec by Thursday" in draft.body
    assert not _placeholders(draft.body)


@pytest.mark.parametrize(
    ("title", "details"),
    [
        ("Draft an apology email to maria.lopez@client.io about the outage on Tuesday",
         "The API was down for 2 hours because of a failed database migration."),
        ("Write an email inviting investors to our demo day on June 3",
         "Demo day is at 4pm at our office, 12 Market St. RSVP by May 28."),
        ("Email the customers about the shipping delay",
         "The spring orders will arrive on May 12 instead of May 5 because of a port strike."),
    ],
)  # fmt: skip
def test_email_with_the_facts_given_has_no_placeholders_in_its_body(
    title: str, details: str
) -> None:
    draft = draft_email(title, details)
    assert not _placeholders(draft.body)
    assert not _doubled_words(draft.body)


def test_email_without_facts_keeps_at_most_two_placeholders_and_no_name_placeholder() -> None:
    for title in [
        "Draft email to customer about product delay",
        "Email the team about the new expense policy",
        "Send a welcome email to the new hire",
        "Write an invitation email for the summer party",
    ]:
        body = draft_email(title).body
        assert len(_placeholders(body)) <= 2, body
        assert "[Your name]" not in body and "name]" not in body
        assert body.rstrip().endswith("Best regards,")


def test_group_recipients_are_greeted_as_a_group() -> None:
    body = draft_email("Draft an email to the team reminding them about the expense deadline").body
    assert body.startswith("Hi team,")
    assert "reminding" not in body.split("\n")[0]


def test_request_email_asks_for_the_thing_named() -> None:
    draft = draft_email("Email Priya asking for the Q3 budget numbers", "I need them by Friday.")
    assert draft.subject == "Request: Q3 budget numbers"
    assert "ask for the Q3 budget numbers" in draft.body
    assert "about the for" not in draft.body


def test_email_task_without_an_address_is_written_not_sent_to_nobody() -> None:
    @tool
    def draft_email(to: list[str], subject: str, body: str) -> str:
        """Save an email draft."""
        return ""

    bound = OfflineChatModel(now=NOW).bind_tools([draft_email])
    title = "Reply to the support ticket from a customer asking how to reset their password"
    reply = bound.invoke([HumanMessage(task_prompt(title))])
    assert not reply.tool_calls
    assert "Thanks for asking how to reset your password." in str(reply.content)


# --- other deliverables --------------------------------------------------------------------


def _write(title: str, details: str = "") -> str:
    return write(TaskText(title, details), NOW)


def test_support_reply_uses_the_given_answer_and_retells_the_customer_facts() -> None:
    sso = _write(
        "Answer the support ticket: customer asks whether we support SSO with Okta",
        "We support SAML SSO with Okta on the Business plan.",
    )
    assert "We support SAML SSO with Okta on the Business plan." in sso
    assert not _placeholders(sso)
    refund = _write(
        "Respond to the customer question about a refund for order 4821",
        "The customer bought the annual plan 10 days ago and was charged twice.",
    )
    assert "you bought the annual plan 10 days ago and were charged twice" in refund
    assert "[missing: the answer to give the customer" in refund  # no promise it was not given


def test_announcement_reads_naturally_and_uses_the_details() -> None:
    text = _write("Announce the holiday schedule to the team")
    assert "schedule to the team" not in text
    assert "our holiday" not in text and "share our" not in text
    launch = _write(
        "Draft an announcement for the launch of our mobile app",
        "The app is available on iOS and Android from Monday.",
    )
    assert "We're happy to announce the launch of our mobile app." in launch
    assert not _placeholders(launch)


def test_chat_post_that_states_a_fact_posts_the_fact() -> None:
    text = _write("Post in #general that the office is closed on Friday")
    assert "the office is closed on Friday." in text
    assert "#general" not in text and "[" not in text


def test_friendlier_rewrite_is_grammatical() -> None:
    text = _write(
        "Rewrite this job description to be friendlier",
        "The candidate is responsible for managing the backlog. Applicants shall commence "
        "work in June.",
    )
    assert "You'll manage the backlog. You'll start in June." in text


def test_make_it_friendlier_is_a_rewrite() -> None:
    text = _write(
        "Make this message friendlier",
        "Please be advised that the office will be closed Friday.",
    )
    assert text.startswith("Rewritten:")
    assert "Please be advised" not in text and "The office will be closed Friday." in text


def test_agenda_times_add_up_to_the_meeting_length() -> None:
    text = agenda("Prepare an agenda for the weekly product sync", "Roadmap, bugs, launch")
    minutes = [int(m) for m in re.findall(r"\((\d+) min\)", text)]
    assert sum(minutes) == 30
    board = agenda("Create an agenda for a 60 minute board meeting", "")
    assert board.startswith("Agenda: Board meeting (60 minutes)")
    assert "Main discussion" not in board


def test_figures_report_reads_a_fall_in_churn_as_good_news() -> None:
    report = report_draft(
        TaskText(
            "Write a report from these figures",
            "Revenue 120k, up 8%. Churn 2.1%, down from 3%. Support tickets 340, up 20%.",
        )
    )
    sections = {s["heading"]: s["body"] for s in report["sections"]}
    assert "Churn 2.1%, down from 3%" in sections["Highlights"]
    assert "Support tickets 340, up 20%" in sections["To watch"]
    assert "Figures" not in sections  # the report graph adds the table itself
    assert report["title"] == "Report"


def test_translation_of_common_phrases_is_complete() -> None:
    text = _write(
        "Translate this into Spanish", "Thank you for your order. It will arrive on Monday."
    )
    assert "Gracias por tu pedido. Llegará el lunes." in text
    assert "Not translated" not in text


@pytest.mark.parametrize(
    "title",
    ["Redesign the company website", "Build a new customer portal", "Launch our podcast",
     "Expand sales into the EMEA region", "Launch the new pricing tiers"],
)  # fmt: skip
def test_plan_subtask_titles_have_no_doubled_words(title: str) -> None:
    titles = [s["title"] for s in classify(TaskText(title)).subtasks]
    assert titles
    assert not [t for t in titles if _doubled_words(t) or "new the" in t]


def test_listed_items_with_articles_make_clean_subtasks() -> None:
    decision = classify(
        TaskText("Plan the team holiday party", "Venue, catering, invitations and a gift exchange")
    )
    titles = [s["title"] for s in decision.subtasks]
    assert "Prepare the gift exchange for the team holiday party" in titles
    assert not [t for t in titles if " the a " in t]


def test_expansion_plan_is_about_the_place() -> None:
    titles = [s["title"] for s in classify(TaskText("Expand sales into the EMEA region")).subtasks]
    assert "Set up the EMEA region in the CRM" in titles


def test_thousands_separators_stay_in_the_value() -> None:
    report = report_draft(TaskText("Prepare the weekly metrics report", "Signups 1,240, up 15%."))
    assert report["summary"].startswith("Signups 1,240 (up 15%)")
    assert report["figures"] == [{"metric": "Signups", "value": "1,240", "change": "up 15%"}]


def test_email_task_about_a_report_is_still_an_email() -> None:
    text = _write("Draft an email to the team reminding them about the expense report deadline")
    assert text.startswith(
        "To: the team (no address given)\nSubject: Reminder: Expense report deadline"
    )


def _page_reply(question: str, page: dict[str, str]) -> str:
    """The final answer after open_url returns `page` wrapped as untrusted content."""
    from langchain_core.messages import ToolMessage

    from tools.toolkit import untrusted

    @tool
    def open_url(url: str) -> str:
        """Open a web page and return its text."""
        return ""

    bound = OfflineChatModel(now=NOW).bind_tools([open_url])
    messages: list[Any] = [HumanMessage(task_prompt(question))]
    first = bound.invoke(messages)
    call = first.tool_calls[0]
    result = ToolMessage(untrusted("a web page", page), tool_call_id=call["id"], name="open_url")
    return str(bound.invoke([*messages, first, result]).content)


def test_page_answer_quotes_the_line_that_answers_from_an_untrusted_envelope() -> None:
    page = {
        "url": "http://127.0.0.1:8000/pricing",
        "title": "Pricing",
        "text": "# Pricing\nStarter costs $9 per month.\nThe Pro plan costs $29 per month.",
    }
    answer = _page_reply("Check http://127.0.0.1:8000/pricing: how much is the pro plan?", page)
    assert answer.startswith("From http://127.0.0.1:8000/pricing (Pricing):")
    assert answer.splitlines()[1] == "> The Pro plan costs $29 per month."
    assert "untrusted_content" not in answer and "# Pricing" not in answer


def test_page_answer_finds_status_lines_for_an_outage_question() -> None:
    page = {"url": "http://127.0.0.1:8000/", "title": "Status", "text": "All systems operational."}
    answer = _page_reply("Look at http://127.0.0.1:8000/ and tell me if there is an outage", page)
    assert "> All systems operational." in answer


def test_follow_up_on_a_subject_names_the_subject_and_retells_the_reader_facts() -> None:
    draft = draft_email(
        "Email ben@studio.io to follow up on the logo proposal",
        "He liked option B but asked for a darker blue. I'll send the revised files on Monday.",
    )
    assert draft.subject == "Following up on the logo proposal"
    assert "You liked option B but asked for a darker blue." in draft.body
    assert "I will send the revised files on Monday." in draft.body


def test_thanking_people_for_an_event_thanks_them_for_their_help() -> None:
    draft = draft_email("Draft a thank you note to the volunteers for the charity run")
    assert draft.to_label == "the volunteers (no address given)"
    assert draft.body.startswith("Hi all,")
    assert "Thank you for all your help with the charity run." in draft.body


def test_announcing_that_something_happens_states_it() -> None:
    text = _write("Announce that the office will be closed on Friday", "Work from home.")
    assert "Please note that the office will be closed on Friday. Work from home." in text


def test_concise_rewrite_drops_filler_phrases() -> None:
    text = _write(
        "Rewrite this to be more concise",
        "We are currently in the process of evaluating a number of different options in order "
        "to pick a vendor going forward.",
    )
    assert "Rewritten:\n\nWe are evaluating several options to pick a vendor." in text


def test_meeting_overview_leaves_out_pleasantries_and_volunteering_lines() -> None:
    summary = meeting_summary(
        TaskText(
            "Summarize the call",
            "Sam: Thanks for joining. Traffic is up 30%. Sam: Who can update the FAQ? "
            "Leo: I can take that. Sam: Great, Leo updates the FAQ by Friday.",
        )
    )["summary"]
    assert summary == "Traffic is up 30%. Leo will update the FAQ by Friday."
