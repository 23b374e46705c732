"""The commune's measures as levers on rates and capacities.

Each measure of the 2015-2020 resolution is an intervention with a start
date, an intensity and (optionally) the villages it covers. A measure never
sets an outcome: it only scales the rates and capacities that the model's
processes read, so its effect on admissions has to come through the same
chain of spotting, mentoring, classes and verification as everything else.
"""

from __future__ import annotations

#: measure name -> what it acts on (the effect sizes are parameters in data/)
MEASURES: dict[str, str] = {
    "standing_committee_assignment": (
        "a Standing Committee member in charge of the village: adds spotting "
        "(assignment_spotting_rate) and mentor places (assignment_mentors)"
    ),
    "cell_admission_quota": (
        "every cell must admit at least one a year: spotting x quota_spotting_multiplier "
        "in the cells covered that are behind the commune's per-cell quota for the year "
        "(the cells' plans are not raised)"
    ),
    "propaganda": (
        "propaganda and education: cultivation drop-out x propaganda_dropout_multiplier, "
        "mass-organisation joining x propaganda_join_multiplier"
    ),
    "household_economy": (
        "household economy and poverty reduction: poverty exit x economy_exit_multiplier"
    ),
    "targeted_sourcing": (
        "survey of the candidate pool, focused on white and joint villages, ethnic "
        "minorities, Youth Union members and returning soldiers: their spotting x "
        "targeting_spotting_multiplier"
    ),
    "mass_org_renewal": (
        "mass organisations renew how they work: joining x renewal_join_multiplier, "
        "dropping out x renewal_leave_multiplier"
    ),
    "extra_class_seats": (
        "more seats for the commune in the district awareness class: "
        "+ class_seats_per_unit per unit intensity"
    ),
}
