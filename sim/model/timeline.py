"""Model time: months (real numbers) since the scenario's start date.

Why months as reals: the domain speaks in months (12 months of probation, a
24-month service, a 12-month file) and the calendar matters (call-ups in
February, classes in given months, targets by calendar year), while events
happen at any moment in between. A month here is 1/12 of a year, and days
are converted at the mean month length.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

DAYS_PER_MONTH = 365.25 / 12.0


def months_between(start: date, end: date) -> float:
    """Months (a real number) from date ``start`` to date ``end``."""
    whole = (end.year - start.year) * 12 + (end.month - start.month)
    return whole + (end.day - start.day) / DAYS_PER_MONTH


def date_at(start: date, t: float) -> date:
    """The calendar date at model time ``t`` (months after ``start``)."""
    whole = math.floor(t)
    month_index = start.month - 1 + whole
    first = date(start.year + month_index // 12, month_index % 12 + 1, 1)
    days = (start.day - 1) + (t - whole) * DAYS_PER_MONTH
    return first + timedelta(days=int(days))


def year_of(start: date, t: float) -> int:
    """Calendar year at model time ``t``."""
    return start.year + math.floor((start.month - 1 + t + (start.day - 1) / DAYS_PER_MONTH) / 12.0)
