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
    "leave_lower_secondary_multiplier": (
        "multiplier",
        "youth leaving hazard multiplier for those who completed lower secondary school",
    ),
    "return_within_5y": (
        "probability",
        "share of work migrants (not settled away) back within 5 years, when a job ends",
    ),
    "never_return_share": (
        "probability",
        "share of work migrants who settle away for good and never return",
    ),
    "study_share_after_upper_secondary": (
        "probability",
        "share of those leaving after upper-secondary completion who leave to study",
    ),
    "study_months_min": ("months", "shortest course of those who leave to study"),
    "study_months_max": ("months", "longest course of those who leave to study"),
    "return_after_study": (
        "probability",
        "chance a student comes home when the course ends (else works away)",
    ),
    "marriage_return_rate": (
        "rate",
        "yearly rate at which a young work migrant comes home to marry and settle",
    ),
    "marriage_return_age_max": ("age", "oldest age at which migrants come home to marry"),
    "away_share_at_start": (
        "probability",
        "young people (18-30) of a village away as migrants at the data date, as a share of all",
    ),
    # Military service
    "callup_share": ("probability", "share of men of call-up age at home called up each year"),
    "military_service_months": ("months", "length of military service"),
    "admitted_in_service_prob": (
        "probability",
        "chance a conscript is admitted while serving (if eligible, with in_service_rules)",
    ),
    "in_service_admission_earliest_months": (
        "months",
        "months of service before a conscript can be admitted (with in_service_rules)",
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
    "spotting_age_young_max": (
        "age",
        "oldest age spotted at the full rate (the cells look for young people)",
    ),
    "spotting_age_middle_max": ("age", "oldest age spotted at spotting_middle_multiplier"),
    "spotting_middle_multiplier": (
        "multiplier",
        "spotting multiplier above spotting_age_young_max up to spotting_age_middle_max",
    ),
    "spotting_older_multiplier": (
        "multiplier",
        "spotting multiplier above spotting_age_middle_max",
    ),
    "cultivation_months": (
        "months",
        "mentoring before the file can be made (an introducer must know the applicant a year)",
    ),
    "initial_candidates_elapsed_months": (
        "months",
        "candidates at the data date have been mentored a uniform 0..this many months "
        "(past cultivation_months: certified, their file starts at the data date)",
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
    "verification_months": ("months", "background verification of the file before the cell's vote"),
    "verification_fail_prob": ("probability", "chance the file fails background verification"),
    "introducer_months": (
        "months",
        "how long an introducer must have worked with the applicant (with introducers)",
    ),
    "member_attendance_prob": (
        "probability",
        "chance an official member attends a cell meeting (with cell_vote)",
    ),
    "vote_approval_prob": (
        "probability",
        "chance a member present approves an admission (with cell_vote)",
    ),
    "forwarding_months": (
        "months",
        "from the cell's vote to the earliest district session (the commune committee's review)",
    ),
    "decision_months": (
        "months",
        "from the cell's vote to the decision, without decision_sessions",
    ),
    "ceremony_months": (
        "months",
        "from the decision to the ceremony, when no anniversary is near",
    ),
    "ceremony_max_months": ("months", "longest the ceremony may follow the decision"),
    "plan_short_spotting_multiplier": (
        "multiplier",
        "spotting multiplier in a cell whose candidates in hand cannot cover its plan",
    ),
    "plan_source_ratio": (
        "multiplier",
        "candidates in hand a cell wants for each admission of its yearly plan",
    ),
    "plan_met_spotting_multiplier": (
        "multiplier",
        "spotting multiplier in a cell that has met its plan for the year",
    ),
    "plan_hold_share": (
        "probability",
        "chance a file ready beyond a met plan is held for the next year's first vote",
    ),
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
    "staff_age_min": ("age", "youngest school or agency staff at the data date"),
    "staff_age_max": ("age", "oldest school or agency staff at the data date"),
    "posting_age_min": ("age", "youngest staff posted in during the run"),
    "posting_age_max": ("age", "oldest staff posted in during the run"),
    "staff_kinh_share": ("probability", "share of school and agency staff who are Kinh"),
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
        "spotting multiplier in a cell behind its quota for the year, at intensity 1",
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
