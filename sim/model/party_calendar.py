"""When the cells meet, the district decides and ceremonies are held, in model time.

Why a calendar and not delays: the deciding committee (the district Party
standing committee) decides admissions at its sessions, the cells vote at
their monthly meetings, and ceremonies are commonly held on the Party's
anniversaries. Those dates are the same for every candidate, so candidates
who become ready at different times are decided and admitted together: this
is how admissions can cluster within a year, as the record shows (8 in the
first quarter of 2017). The dates come from the commune's ``[calendar]``.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from datetime import date

from sim.inputs.commune import Calendar
from sim.model.timeline import months_between


def _times(start: date, days: list[tuple[int, int]], horizon: float) -> list[float]:
    """Model times of the (month, day) dates in every year from ``start`` to past the horizon."""
    times = []
    years = math.ceil(horizon / 12.0) + 2
    for year in range(start.year, start.year + years):
        for month, day in days:
            t = months_between(start, date(year, month, day))
            if t >= 0:
                times.append(t)
    return sorted(times)


class PartyCalendar:
    """The cells' meetings, the district's sessions, the anniversaries and the plan years.

    Every ``next_*`` method returns the first time at or after ``t`` (``inf``
    when there is none within the computed span, which reaches past the
    horizon).
    """

    def __init__(self, calendar: Calendar, start: date, horizon: float) -> None:
        self.start = start
        every_month = [(m, calendar.cell_meeting_day) for m in range(1, 13)]
        self.meetings = _times(start, every_month, horizon)
        sessions = [(m, calendar.decision_session_day) for m in calendar.decision_session_months]
        self.sessions = _times(start, sessions, horizon)
        self.anniversaries = _times(start, list(calendar.ceremony_dates), horizon)

    @staticmethod
    def _next(times: list[float], t: float) -> float:
        i = bisect_left(times, t)
        return times[i] if i < len(times) else math.inf

    def next_meeting(self, t: float) -> float:
        """The cells' first monthly meeting at or after ``t``."""
        return self._next(self.meetings, t)

    def next_session(self, t: float) -> float:
        """The deciding committee's first session at or after ``t``."""
        return self._next(self.sessions, t)

    def next_anniversary(self, t: float) -> float:
        """The first ceremony date (a Party anniversary) at or after ``t``."""
        return self._next(self.anniversaries, t)
