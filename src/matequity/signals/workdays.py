"""England working days, for the MOSS critical safety check due date.

NHS England's MOSS code sets the check's due date 8 UK working days after the
notification (``add.bizdays(Date_Email, 8, "UK_Working_Days")``: weekends and
bank holidays excluded). Bank holidays come from the maintained ``holidays``
package (England, ``GB`` subdivision ``ENG``), not from a hand list.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

CHECK_WORKING_DAYS = 8


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(d: dt.date) -> bool:
    return d.weekday() < 5 and d not in _bank_holidays(d.year)


def add_working_days(start: dt.date, n: int = CHECK_WORKING_DAYS) -> dt.date:
    """The n-th working day after ``start`` (``start`` itself does not count)."""
    d, left = start, n
    while left > 0:
        d += dt.timedelta(days=1)
        if is_working_day(d):
            left -= 1
    return d
