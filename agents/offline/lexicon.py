"""Word lists the offline classifier weighs: verbs, deliverables, big undertakings, blockers."""

from __future__ import annotations

from agents.offline.text import wordlist

# Lead verbs and what they usually mean for a task: (strategy, weight).
# Verbs whose meaning depends on their object ("prepare", "set up", "book") are in AMBIGUOUS.
IMMEDIATE_VERBS: dict[str, float] = {
    **dict.fromkeys(
        wordlist(
            "draft write compose summarize summarise outline extract translate rewrite rephrase "
            "reword paraphrase proofread edit polish shorten condense reply respond answer post "
            "send email e-mail message dm slack schedule reschedule find search list share "
            "forward remind notify announce invite tweet brainstorm suggest recommend explain "
            "describe define convert format thank welcome congratulate acknowledge research "
            "compare calculate tabulate transcribe jot note report recap"
        ),
        3.0,
    ),
    **dict.fromkeys(
        [
            "look up",
            "follow up",
            "reach out",
            "write up",
            "send out",
            "find out",
            "come up",
            "check",
            "update",
            "review",
            "analyze",
            "analyse",
            "estimate",
            "count",
            "lookup",
            "fill out",
            "fill in",
            "cancel",
            "tell",
            "ask",
            "generate",
            "compile",
            "make",
            "put together",
            "create",
            "produce",
            "get",
            "give",
            "add",
            "remove",
        ],
        1.5,
    ),
}
DECOMPOSE_VERBS: dict[str, float] = {
    **dict.fromkeys(
        [
            *wordlist(
                "plan organize organise launch onboard migrate redesign hire recruit overhaul "
                "relocate revamp restructure rebrand reorganize reorganise implement establish "
                "host coordinate expand consolidate transition modernize modernise standardize "
                "standardise"
            ),
            "roll out",
            "kick off",
        ],
        3.0,
    ),
    **dict.fromkeys(
        [
            "build",
            "develop",
            "run",
            "conduct",
            "design",
            "set up",
            "prepare",
            "improve",
            "open",
            "deploy",
            "integrate",
            "audit",
            "evaluate",
            "scale",
            "grow",
            "execute",
            "move",
            "introduce",
            "start",
            "create",
            "manage",
            "handle",
            "arrange",
            "automate",
        ],
        1.5,
    ),
}
BLOCKED_VERBS: dict[str, float] = {
    **dict.fromkeys(
        [
            *wordlist(
                "pay buy purchase order procure call phone ring dial sign countersign notarize "
                "notarise pick drop deliver meet visit inspect attend drive fly travel renew "
                "transfer wire deposit withdraw cash reserve interview reimburse refund fax "
                "water repair ship courier photograph vote"
            ),
            "pick up",
            "drop off",
        ],
        3.0,
    ),
    **dict.fromkeys(
        [
            "approve",
            "file",
            "install",
            "fix",
            "replace",
            "print",
            "collect",
            "submit",
            "register",
            "authorize",
            "authorise",
            "sign up",
            "sign off",
            "hand over",
            "go to",
            "mail",
            "post",
            "clean",
            "return",
            "bring",
            "take",
            "book",
            "renegotiate",
            "negotiate",
            "unlock",
            "walk",
            "check in",
        ],
        1.5,
    ),
}
PHRASAL = {
    "pick up",
    "drop off",
    "look up",
    "set up",
    "roll out",
    "kick off",
    "follow up",
    "reach out",
    "write up",
    "send out",
    "find out",
    "fill out",
    "fill in",
    "sign up",
    "sign off",
    "hand over",
    "go to",
    "put together",
    "come up",
    "check in",
    "clean up",
}

# Things a text deliverable is: "create an outline", "prepare a summary".
DOC_NOUNS = set(
    wordlist(
        """email e-mail emails note memo outline summary recap minutes agenda announcement message
    reply response post tweet blurb bio description faq checklist list letter draft template
    paragraph translation headline caption newsletter blog article statement press-release
    report one-pager brief script invitation invite reminder thank-you intro introduction
    abstract overview comparison table doc document copy slogan tagline proposal
    questions questionnaire survey-questions notes digest writeup write-up readme changelog
    release-notes cover summary-of bullet bullets points tldr tl;dr poem story quote quotes
    answer explanation guide pitch"""
    )
)

# Undertakings with several deliverables or phases.
BIG_NOUNS = set(
    wordlist(
        """campaign event offsite off-site conference summit retreat launch fundraise fundraising
    migration survey website site program programme strategy territory rollout rebrand
    expansion audit onboarding hiring initiative project overhaul transition implementation
    relocation hackathon trade-show tradeshow party roadshow kickoff kick-off webinar series
    certification compliance process pipeline infrastructure platform integration
    partnership partnerships redesign restructuring reorganization reorganisation
    celebration gala festival workshop meetup course curriculum training academy"""
    )
)
BIG_PHRASES = (
    "board meeting",
    "series a",
    "series b",
    "seed round",
    "office move",
    "new office",
    "sales territory",
    "new market",
    "all-hands",
    "all hands",
    "product launch",
    "go-to-market",
    "go to market",
    "customer database",
    "annual review",
    "performance review cycle",
    "sales kickoff",
    "holiday party",
    "team building",
    "user research",
    "new hires",
    "new engineers",
    "new employees",
    "new starters",
    "year-end",
    "open house",
    "soc 2",
    "code freeze",
    "the new crm",
    "customer portal",
    "data warehouse",
    "new pricing",
    "pricing tiers",
    "quarterly planning",
    "annual planning",
    "strategic plan",
    "help center",
    "knowledge base",
    "referral program",
    "loyalty program",
    "mentorship program",
)

# What makes a task need a person; each maps to a blocker category.
BLOCKER_PHRASES: dict[str, str] = {
    "in person": "in_person",
    "in-person": "in_person",
    "face to face": "in_person",
    "face-to-face": "in_person",
    "on site": "physical",
    "on-site": "physical",
    "onsite": "physical",
    "physically": "physical",
    "by hand": "physical",
    "post office": "physical",
    "by phone": "phone",
    "over the phone": "phone",
    "phone call": "phone",
    "credit card": "renewal",
    "debit card": "renewal",
    "bank transfer": "banking",
    "wire transfer": "banking",
    "bank portal": "banking",
    "bank account": "banking",
    "purchase order": "approval",
    "wet signature": "signature",
    "e-signature": "signature",
    "docusign": "signature",
    "payroll": "payment",
    "plane ticket": "travel",
    "train ticket": "travel",
    "rental car": "travel",
    "hotel room": "travel",
    "the dmv": "physical",
    "notary": "signature",
}
BLOCKER_NOUNS: dict[str, str] = {
    **dict.fromkeys(
        wordlist(
            "invoice invoices bill bills payment payments salary salaries wages fee fees "
            "deposit refund reimbursement tax taxes rent"
        ),
        "payment",
    ),
    **dict.fromkeys(
        wordlist(
            "flight flights hotel hotels airfare accommodation accommodations lodging visa passport"
        ),
        "travel",
    ),
    **dict.fromkeys(
        wordlist(
            "package packages parcel parcels mail printer printers keys furniture chairs desk "
            "desks heating plumbing plumber projector laptop laptops hardware sink boiler "
            "shipment delivery groceries supplies whiteboard badge badges car van"
        ),
        "physical",
    ),
    **dict.fromkeys(wordlist("contract contracts nda agreement lease"), "signature"),
    **dict.fromkeys(wordlist("license licenses licence subscription seats"), "purchase"),
    **dict.fromkeys(wordlist("portal sap workday concur netsuite quickbooks oracle erp"), "system"),
}

# Objects that make an ambiguous verb a single deliverable the AI can produce.
MEETING_NOUNS = set(
    wordlist(
        "meeting meetings call sync 1:1 one-on-one standup stand-up demo catch-up check-in "
        "slot time review session interview interviews appointment huddle retro"
    )
)
TEXT_FIX_NOUNS = set(
    wordlist(
        "typo typos grammar wording text copy formatting spelling sentence sentences paragraph "
        "heading headings title titles link links"
    )
)

# Lead verbs whose result goes out to other people: a person should approve first.
OUTBOUND_VERBS = set(
    wordlist(
        "send email e-mail message dm slack post reply respond schedule reschedule invite notify "
        "share forward announce tweet remind thank welcome congratulate book cancel publish "
        "ask tell"
    )
) | {"follow up", "reach out", "send out"}
