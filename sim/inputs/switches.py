"""The model's switches: rules and practices a researcher can turn off to compare.

Why switches and not parameters: each names a rule of the Party's admission
procedure or a practice of the commune (a calendar, a yearly plan) whose
*presence* is the question, as in "does working to a yearly plan explain
8 admissions in one quarter?". With a switch off, the model behaves as if
the rule did not exist, so "flow" and "plan-driven" behaviour, or "a fixed
delay" and "the deciding committee's calendar", can be compared on common
random numbers.

Values never live here: a commune's ``commune.toml`` sets every switch in
its ``[switches]`` table (with a source), and a scenario's ``[switches]``
overrides them. This registry says what each one does when on.
"""

from __future__ import annotations

#: name -> what the model does when the switch is on
SWITCHES: dict[str, str] = {
    "education_exemption": (
        "the education floor is lowered to completed primary school for ethnic-minority "
        "residents of remote border villages (Guidance 01-HD/TW 2021)"
    ),
    "over_60_exception": (
        "people over 60 may be admitted where their village has no cell of its own "
        "(Regulation 29-QĐ/TW 1.1)"
    ),
    "plan_driven": (
        "every cell works to a yearly admission plan: spotting is stepped up while the "
        "candidates in hand cannot cover the plan and eased once the year's plan is met, "
        "and files ready beyond a met plan wait for the next year's first vote"
    ),
    "cell_vote": (
        "the cell votes at its monthly meeting: at least two thirds of its official members "
        "must approve; a meeting with fewer present cannot vote and the file waits"
    ),
    "introducers": (
        "two named introducers, official members who have worked with the applicant for "
        "introducer_months (one plus the Youth Union's resolution for a Youth Union member); "
        "an introducer who dies, moves or leaves breaks the file"
    ),
    "file_validity": (
        "the file is valid file_validity_months from its start until the cell votes; a "
        "lapsed file is made again"
    ),
    "file_before_class": (
        "the file may be started as soon as mentoring ends; the awareness-class certificate "
        "is needed only by the vote (off: the certificate comes first)"
    ),
    "decision_sessions": (
        "the district Party standing committee decides admissions at its sessions "
        "(calendar.decision_session_months) rather than after a fixed delay"
    ),
    "anniversary_ceremonies": (
        "the admission ceremony is held on the next Party anniversary "
        "(calendar.ceremony_dates) when it falls within ceremony_max_months of the decision"
    ),
    "recognition_decision": (
        "after probation the cell considers recognition at its next meeting and the "
        "district decides at its next session (off: official the day probation ends)"
    ),
    "in_service_rules": (
        "conscripts admitted during service meet the age and education rules, are admitted "
        "during service and serve probation there (off: admitted at discharge)"
    ),
}
