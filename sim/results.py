"""The result of one run: plain pandas tables plus the metadata that made them.

Why plain tables: planners read them in notebooks, the ensemble layer reduces
them, and Parquet stores them; nothing here needs the model to be alive.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import pandas as pd


@dataclass
class RunResult:
    """Tables of one stochastic run (see each field's comment for its rows)."""

    admissions: pd.DataFrame  # one row per admission (counted: admitted by the commune's cells)
    population: pd.DataFrame  # month x village x place x age band: people
    organisations: pd.DataFrame  # month: active members per mass organisation
    pipeline: pd.DataFrame  # month: candidates per pipeline stage
    members_by_village: pd.DataFrame  # month x village: resident members at home
    members_by_cell: pd.DataFrame  # month x cell: members attending the cell
    village_status: pd.DataFrame  # status changes (the first rows: the data's status)
    village_status_monthly: pd.DataFrame  # month x village: status
    pipeline_exits: pd.DataFrame  # candidacies that ended or paused, by stage and reason
    pipeline_steps: pd.DataFrame  # each step a candidate entered (spotted, cultivation, ...)
    member_exits: (
        pd.DataFrame
    )  # members who moved away, were removed, transferred or not recognised
    recognitions: pd.DataFrame  # probationary members recognised as official
    classes: pd.DataFrame  # each awareness class: seats, served, still waiting
    levers: pd.DataFrame  # each measure as it came into force
    flows: pd.DataFrame  # month x village: births, deaths, departures, arrivals (at home)
    metadata: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name (for storing and inspecting)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "metadata"}

    def admissions_by_year(self, counted_only: bool = True) -> pd.Series:
        """Admissions per calendar year of the run (every year present, zeros included)."""
        start = pd.Timestamp(self.metadata["start"]).year
        end = pd.Timestamp(self.metadata["horizon"]).year
        table = self.admissions[self.admissions["counted"]] if counted_only else self.admissions
        counts = table.groupby("year").size()
        return counts.reindex(range(start, end + 1), fill_value=0).rename("admissions")

    def members_total(self) -> pd.Series:
        """All members (official + probationary, residents and staff) by month."""
        by_cell = self.members_by_cell.groupby("date")[["official", "probationary"]].sum()
        return (by_cell["official"] + by_cell["probationary"]).rename("members")

    def white_villages(self) -> pd.Series:
        """Number of white villages by month."""
        monthly = self.village_status_monthly
        return (
            (monthly["status"] == "white").groupby(monthly["date"]).sum().rename("white_villages")
        )
