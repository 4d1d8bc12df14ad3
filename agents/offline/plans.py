"""The plans the offline model decomposes an undertaking into, one per kind of undertaking.

A plan starts with the words that select it in [brackets]: the task's head noun ("the
company *offsite* in May") or its verb's own noun ("migrate" -> migration); a header may
continue on a line starting with a space; `*` is the fallback plan. Each step is two lines:
who does it (auto = fully_automated, semi = semi_automated, manual) and the title with {s}
for the subject, then the description.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.enums import ExecutionType

_KINDS = {
    "auto": ExecutionType.FULLY_AUTOMATED.value,
    "semi": ExecutionType.SEMI_AUTOMATED.value,
    "manual": ExecutionType.MANUAL.value,
}

PLANS_TEXT = """
[audit soc compliance certification iso gdpr hipaa]
auto   | List the controls and evidence required for {s}
       | A checklist of controls with the evidence each one needs.
auto   | Run a gap assessment against the requirements of {s}
       | What exists today, what is missing, and the owner of each gap.
auto   | Write the missing policies for {s}
       | Drafts of access control, incident response and vendor policies for review.
manual | Assign owners and deadlines for the gaps found for {s}
       | A person commits people and dates.
semi   | Collect the evidence from each team for {s}
       | Requests go out to owners after approval; the AI tracks what came back.
manual | Choose the auditor and schedule the fieldwork for {s}
       | Selecting and contracting the auditor needs a person.

[office relocate relocation movers headquarters office-move]
manual | Set the move date, budget and space requirements for {s}
       | A person decides timing, budget, seats and rooms.
auto   | Compare moving companies and draft the request for quotes for {s}
       | Three movers compared on price, dates and insurance; a quote request to send.
manual | Sign the lease amendments and mover contract for {s}
       | Contracts need an authorized signatory.
auto   | Write the seating plan and moving-day checklist for {s}
       | Who sits where, packing labels, IT disconnect and reconnect steps.
semi   | Announce {s} to the team with dates and instructions
       | Email and Slack announcement, approved before it goes out.
manual | Supervise moving day and set up the network and desks for {s}
       | People on site with the movers and IT.

[fundraise fundraising series seed investors round]
auto   | Write the fundraising narrative and pitch deck outline for {s}
       | Problem, traction, market, team, the ask and use of funds.
auto   | Compile the data room checklist and key metrics for {s}
       | Financials, cap table, contracts, metrics: what exists and what is missing.
semi   | Draft the target investor list and intro emails for {s}
       | A person approves the list and every email before it goes out.
semi   | Schedule the investor meetings for {s}
       | Invites go out after approval.
manual | Pitch investors and negotiate the term sheet for {s}
       | Founders pitch, negotiate and decide.
manual | Sign the term sheet and close {s} with counsel
       | Signatures and legal review need a person.

[onboard onboarding hires starters engineers employees]
auto   | Write the first-month onboarding plan for {s}
       | Week-by-week goals, reading list, first tasks and check-ins.
manual | Order laptops and set up accounts for {s}
       | IT provisions hardware, email, Slack and tool access before day one.
semi   | Send the welcome email to {s}
       | Start date, first-day schedule and what to bring; approved before sending.
semi   | Schedule intro meetings and assign a buddy for {s}
       | Calendar invites with the team, manager 1:1s and a buddy.
manual | Welcome {s} in person on day one
       | The manager meets them, gives the tour and sets first goals.
semi   | Collect 30-day feedback from {s}
       | A short survey or check-in to improve the onboarding.

[migrate migration crm database warehouse transition infrastructure hosting servers
 cloud aws gcp azure heroku kubernetes stack]
auto   | Inventory the data and map fields for {s}
       | List objects, fields and owners; map old fields to the new system.
auto   | Write the migration plan and rollback checklist for {s}
       | Order of steps, verification queries, cutover date and rollback.
manual | Approve the cutover date and access for {s}
       | The system owner signs off and grants access to both systems.
semi   | Notify the affected teams about {s}
       | What changes, when, and what to do; approved before it goes out.
manual | Run a test migration and verify the records for {s}
       | An admin runs a sample import and checks counts and spot records.
manual | Execute the cutover and retire the old system for {s}
       | Final import, verification and switch-off by the admin.

[survey nps feedback questionnaire]
auto   | Write the questions for {s}
       | Ten focused questions: ratings, one open question, segment fields.
manual | Choose the audience list and survey tool for {s}
       | A person picks who receives it and where it runs.
semi   | Send the invitation and a reminder for {s}
       | Invitation and one reminder; approved before sending.
auto   | Analyze the responses and summarize the findings of {s}
       | Scores, themes from open answers, changes since last time.
semi   | Share the results and action plan from {s}
       | Summary for the team with owners for each follow-up.

[offsite off-site retreat conference summit event party meetup workshop hackathon
 celebration gala webinar dinner all-hands]
manual | Set the goals, date and budget for {s}
       | A person decides the dates, headcount and budget.
auto   | Shortlist venues for {s}
       | Three options with capacity, location and price for a person to choose.
manual | Book the venue and catering for {s}
       | Booking and paying need a person with budget authority.
auto   | Draft the agenda for {s}
       | Sessions, times, owners and breaks.
semi   | Send the invitations for {s}
       | Invitation with date, place and RSVP; approved before sending.
semi   | Send the follow-up and feedback survey after {s}
       | Thank-you note, materials and a short survey; approved before sending.

[pricing tiers launch release feature product]
auto   | Write the launch announcement and FAQ for {s}
       | What changes, who it affects, when, and answers to likely questions.
manual | Approve the final details and launch date for {s}
       | The owner signs off on prices, scope and timing.
semi   | Brief the sales and support teams on {s}
       | A one-page brief and talking points, shared after approval.
semi   | Email existing customers about {s}
       | Customer announcement; a person approves before it goes out.
auto   | Update the website copy for {s}
       | New page text ready to publish.
auto   | Track adoption of {s} and summarize the results
       | A two-week report on sign-ups, upgrades and questions.

[campaign marketing promotion go-to-market gtm outreach]
auto   | Write the brief for {s}: goals, audience and key messages
       | One page: objective, target audience, offer, channels and success measures.
manual | Approve the budget and channels for {s}
       | A person decides spend per channel.
auto   | Draft the content calendar and copy for {s}
       | Posts, emails and ads by week, with copy for each.
semi   | Schedule and publish the posts and emails for {s}
       | Each piece goes out after a person approves it.
auto   | Report on the results of {s}
       | Reach, clicks, leads and cost per lead against the goals.

[territory region emea apac latam market]
auto   | Research the target accounts and market for {s}
       | Top accounts, segments and competitors in the region.
manual | Define the boundaries and quotas for {s}
       | Sales leadership decides accounts, quota and coverage.
manual | Assign account owners for {s}
       | A manager assigns reps to accounts.
manual | Set up {s} in the CRM
       | An admin creates the territory, rules and reports.
semi   | Draft the outreach sequence for prospects in {s}
       | Three-step email sequence; a person approves before it is sent.
auto   | Write the territory plan summary for {s}
       | Goals, accounts, owners and the first 90 days.

[podcast vlog youtube]
auto   | Define the format, audience and episode plan for {s}
       | Who it is for, episode length, cadence and the first ten topics.
auto   | Write the outlines for the first three episodes of {s}
       | Talking points, questions and guests for each episode.
manual | Choose the hosting platform and equipment for {s}
       | A person picks the platform and buys or borrows the equipment.
manual | Record and edit the first episodes of {s}
       | Recording and editing need people.
semi   | Announce {s} to customers and followers
       | Posts and an email, approved before they go out.
auto   | Track listens and feedback on {s} and summarize them monthly
       | Listens, subscribers and comments, with what to change.

[website site redesign rebrand app portal page]
auto   | Audit the current state of {s} and summarize the issues
       | What works, what does not, top pages and complaints.
auto   | Write the sitemap and page outline for {s}
       | Pages, sections and the goal of each.
auto   | Draft new copy for the key pages of {s}
       | Home, product, pricing and about.
manual | Choose the designer and approve the design for {s}
       | A person hires or assigns the designer and signs off on mockups.
manual | Build and test {s}
       | Developers implement, test and review.
semi   | Announce the new {s} to customers
       | Announcement approved before it goes out.

[hire hiring recruit recruiting head role position candidate]
auto   | Write the job description for {s}
       | Responsibilities, must-haves, nice-to-haves and what we offer.
semi   | Post the opening and share it with the network for {s}
       | Job boards and a Slack/LinkedIn post, approved before publishing.
auto   | Draft the screening questions and scorecard for {s}
       | Criteria and questions for each interview stage.
manual | Interview the shortlisted candidates for {s}
       | Interviews are done by people.
manual | Check references and make the offer for {s}
       | The hiring manager decides and signs the offer.
auto   | Write the onboarding plan for {s}
       | First 30/60/90 days.

[board quarterly investor review]
auto   | Draft the agenda for {s}
       | Topics, owners, time boxes and decisions needed.
auto   | Compile the metrics and financial summary for {s}
       | Key numbers against plan, with short commentary.
auto   | Write the deck outline and pre-read for {s}
       | Slide-by-slide outline and a two-page memo.
semi   | Schedule {s} with all attendees
       | Invites go out after approval.
semi   | Send the pre-read before {s}
       | Sent a week ahead, after approval.
manual | Present at {s} and record the decisions
       | The CEO presents; decisions and follow-ups are written down.

[*]
auto   | Write a one-page brief for {s}: goals, scope and success measures
       | What done looks like, what is out of scope and how progress is measured.
auto   | Break {s} into milestones with dates
       | Phases, owners and a timeline.
manual | Agree on the budget and owner for {s}
       | A person decides and commits resources.
semi   | Share the plan for {s} with stakeholders for feedback
       | The brief and timeline go out after approval.
auto   | Track progress on {s} and send a weekly status summary
       | Done, next and risks, every week.
"""


@dataclass(frozen=True)
class PlanStep:
    """One subtask template: title (with {s}), execution type and description."""

    title: str
    execution_type: str
    description: str


@dataclass(frozen=True)
class Plan:
    """The steps for one kind of undertaking and the words that select it."""

    keys: frozenset[str]
    steps: tuple[PlanStep, ...]

    @property
    def is_fallback(self) -> bool:
        return "*" in self.keys


def parse_plans(text: str) -> list[Plan]:
    """Read plans in the PLANS_TEXT format."""
    plans: list[Plan] = []
    keys: list[str] = []
    steps: list[PlanStep] = []
    pending: tuple[str, str] | None = None
    in_header = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            continue
        if line.startswith("["):
            if keys:
                plans.append(Plan(frozenset(keys), tuple(steps)))
            keys, steps, pending = line.strip("[]").split(), [], None
            in_header = not line.endswith("]")
        elif in_header:
            keys.extend(line.strip(" []").split())
            in_header = not line.endswith("]")
        else:
            who, _, content = line.partition("|")
            if who.strip():
                pending = (_KINDS[who.strip()], content.strip())
            elif pending is not None:
                steps.append(PlanStep(pending[1], pending[0], content.strip()))
                pending = None
    if keys:
        plans.append(Plan(frozenset(keys), tuple(steps)))
    return plans


PLANS = parse_plans(PLANS_TEXT)
