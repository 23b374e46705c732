"""The names, kinds and meanings of every parameter the model reads.

Values never live here: they come from a commune's ``parameters.csv`` and a
scenario's ``[parameters]`` overrides. This registry exists so that a typo in
either file is caught at load time instead of silently leaving a default in
force, and so the allowed range of each value follows from its kind.
"""

from __future__ import annotations

from typing import Literal

ParameterKind = Literal["probability", "rate", "months", "years", "age", "count", "multiplier"]

#: name -> (kind, what the model does with it)
REQUIRED_PARAMETERS: dict[str, tuple[ParameterKind, str]] = {
    # Demography
    "crude_birth_rate_per_1000": ("rate", "births per 1,000 residents at home per year"),
    "male_share_at_birth": ("probability", "share of births that are boys"),
    "poverty_exit_rate": ("rate", "yearly rate at which a poor household leaves poverty"),
    "poverty_entry_rate": ("rate", "yearly rate at which a non-poor household falls into poverty"),
    # Rules (facts)
    "admission_age_min": ("age", "youngest age at which a file may be considered"),
    "admission_age_max": (
        "age",
        "oldest age at which a file may be considered (unless over_60_exception)",
    ),
    "youth_union_age_min": ("age", "youngest Youth Union member"),
    "youth_union_age_max": ("age", "oldest Youth Union member"),
    "adult_age": (
        "age",
        "age from which Women's Union and Farmers' Association membership is open",
    ),
    "callup_age_min": ("age", "youngest age of military call-up"),
    "callup_age_max": ("age", "oldest age of military call-up"),
    "cell_min_official_members": (
        "count",
        "official resident members a village needs for a cell of its own",
    ),
    "probation_months": ("months", "length of probation"),
    "certificate_validity_months": ("months", "validity of the awareness-class certificate"),
    "file_validity_months": ("months", "validity of the application file before the cell votes"),
    # Youth outmigration and return
    "leave_age_min": ("age", "youngest age of independent outmigration"),
    "leave_age_max": ("age", "oldest age at which the youth leaving hazard applies"),
    "leave_after_upper_secondary_2y": (
        "probability",
        "share leaving within 2 years of upper-secondary completion",
    ),
    "leave_hazard_young": (
        "rate",
        "yearly leaving hazard at ages leave_age_min..leave_age_max otherwise",
    ),
    "leave_hazard_adult": ("rate", "yearly leaving hazard above leave_age_max"),
    "leave_poor_multiplier": ("multiplier", "leaving hazard multiplier for poor households"),
    "leave_minority_multiplier": ("multiplier", "leaving hazard multiplier for ethnic minorities"),
    "return_within_5y": ("probability", "share of leavers who return within 5 years"),
    "away_share_at_start": (
        "probability",
        "young people (18-30) of a village away as migrants at the data date, as a share of all",
    ),
    # Military service
    "callup_share": ("probability", "share of men of call-up age at home called up each year"),
    "military_service_months": ("months", "length of military service"),
    "admitted_in_service_prob": (
        "probability",
        "chance a conscript is admitted to the party while serving",
    ),
    # Mass organisations
    "youth_union_active_share": (
        "probability",
        "steady-state share of eligible youth at home who are active",
    ),
    "womens_union_active_share": (
        "probability",
        "steady-state share of women at home who are active",
    ),
    "farmers_association_active_share": (
        "probability",
        "steady-state share of farming adults who are active",
    ),
    "veterans_active_share": (
        "probability",
        "steady-state share of former soldiers who are active",
    ),
    "active_spell_years": ("years", "mean length of an active spell in a mass organisation"),
    "poor_participation_multiplier": ("multiplier", "join-rate multiplier for poor households"),
    "farming_household_share": ("probability", "share of households that farm"),
    # Admission pipeline
    "spotting_rate_cell": (
        "rate",
        "yearly rate at which an eligible active member is spotted, village with own cell",
    ),
    "spotting_rate_joint": ("rate", "the same, village with members but no cell of its own"),
    "spotting_rate_white": ("rate", "the same, white village"),
    "staff_spotting_rate": ("rate", "the same, for non-member staff of school and agency cells"),
    "cultivation_months": (
        "months",
        "mentoring before the file can be made (an introducer must know the applicant a year)",
    ),
    "initial_candidates_elapsed_months": (
        "months",
        "candidates at the data date have been mentored a uniform 0..this many months",
    ),
    "cultivation_dropout_rate": (
        "rate",
        "yearly rate at which a candidate gives up during cultivation or waiting",
    ),
    "mentor_capacity": ("count", "candidates one official member mentors at a time"),
    "awareness_class_seats": ("count", "seats for the commune in each district awareness class"),
    "application_months": (
        "months",
        "making the file: introducers, background form, Youth Union resolution",
    ),
    "verification_months": ("months", "background verification, cell vote, decision and ceremony"),
    "verification_fail_prob": ("probability", "chance the file fails verification or the vote"),
    "probation_fail_prob": ("probability", "chance a probationary member is not recognised"),
    # Members and cells
    "member_move_rate": ("rate", "yearly rate at which a village member moves away"),
    "member_removal_rate": ("rate", "yearly rate at which a member is removed or leaves the party"),
    "school_transfer_rate": (
        "rate",
        "yearly rate at which a school-cell member is posted elsewhere",
    ),
    "agency_transfer_rate": (
        "rate",
        "yearly rate at which an agency-cell member is posted elsewhere",
    ),
    "posting_member_share": ("probability", "share of staff posted in who are already members"),
    # Effect sizes of the measures (all assumptions)
    "assignment_spotting_rate": (
        "rate",
        "spotting rate added where a Standing Committee member is assigned, per unit intensity",
    ),
    "assignment_mentors": (
        "count",
        "mentor places an assigned Standing Committee member adds to a village, per unit intensity",
    ),
    "quota_spotting_multiplier": (
        "multiplier",
        "spotting multiplier when each cell must admit one a year, at intensity 1",
    ),
    "propaganda_dropout_multiplier": (
        "multiplier",
        "cultivation drop-out multiplier under propaganda, at intensity 1",
    ),
    "propaganda_join_multiplier": (
        "multiplier",
        "mass-organisation join multiplier under propaganda, at intensity 1",
    ),
    "economy_exit_multiplier": (
        "multiplier",
        "poverty-exit multiplier under household economy, at intensity 1",
    ),
    "targeting_spotting_multiplier": (
        "multiplier",
        "spotting multiplier for targeted groups, at intensity 1",
    ),
    "renewal_join_multiplier": (
        "multiplier",
        "mass-organisation join multiplier under renewal, at intensity 1",
    ),
    "renewal_leave_multiplier": (
        "multiplier",
        "mass-organisation drop-out multiplier under renewal, at intensity 1",
    ),
    "class_seats_per_unit": (
        "count",
        "extra class seats per unit intensity of the class-seats lever",
    ),
}

PROBABILITY_KINDS = {"probability"}
