"""The words of each notification. They name the site, the month of births,
the signal level and the check's due date, and link to the signal's page;
they carry no patient-level data and no counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

LEVELS = {1: "level 1 (amber)", 2: "level 2 (red)"}
FOOTER = (
    "This message holds no patient-level data. Sign in to matequity to see the "
    "charts and to record the critical safety check.\n"
)


@dataclass(frozen=True)
class SignalFacts:
    signal_id: str
    site_code: str
    site_name: str
    trust_name: str
    month: str
    level: int
    notified: dt.date
    due_date: dt.date
    url: str


def new_signal(s: SignalFacts) -> tuple[str, str]:
    subject = (
        f"MOSS {LEVELS[s.level]} signal at {s.site_name} ({s.site_code}), births in "
        f"{s.month}: check due {s.due_date:%d %b %Y}"
    )
    body = (
        f"The Maternity Outcomes Signal System has signalled at {s.site_name} "
        f"({s.site_code}), {s.trust_name}.\n\n"
        f"Signal: {LEVELS[s.level]}, month of birth {s.month}\n"
        f"Notified: {s.notified:%d %B %Y}\n"
        f"Critical safety check due: {s.due_date:%d %B %Y} (8 England working days)\n\n"
        "The perinatal leadership team should carry out a critical safety check of the "
        "intrapartum service and record it, with the actions taken, so that the LMNS, "
        "regional and national teams can see it.\n\n"
        f"Signal page: {s.url}\n\n" + FOOTER
    )
    return subject, body


def reminder(s: SignalFacts, kind: str, today: dt.date) -> tuple[str, str]:
    if kind == "overdue":
        subject = (
            f"Overdue: critical safety check for the MOSS signal at {s.site_name} "
            f"({s.site_code}), births in {s.month} (due {s.due_date:%d %b %Y})"
        )
        lead = (
            f"The critical safety check for this signal was due on {s.due_date:%d %B %Y} "
            f"and none is recorded as of {today:%d %B %Y}."
        )
    else:
        subject = (
            f"Reminder: critical safety check due {s.due_date:%d %b %Y} for the MOSS signal "
            f"at {s.site_name} ({s.site_code}), births in {s.month}"
        )
        lead = f"The critical safety check for this signal is due on {s.due_date:%d %B %Y}."
    body = (
        f"{lead}\n\nSignal: {LEVELS[s.level]} at {s.site_name} ({s.site_code}), "
        f"{s.trust_name}; month of birth {s.month}; notified {s.notified:%d %B %Y}.\n\n"
        f"Signal page: {s.url}\n\n" + FOOTER
    )
    return subject, body


def webhook_text(signals: list[SignalFacts], kind: str) -> str:
    head = {
        "new_signal": f"{len(signals)} new MOSS signal(s)",
        "due_soon": "Critical safety check due soon",
        "overdue": "Critical safety check overdue",
    }[kind]
    lines = [
        f"- {s.site_name} ({s.site_code}): {LEVELS[s.level]}, births in {s.month}, "
        f"check due {s.due_date:%d %b %Y}: {s.url}"
        for s in signals
    ]
    return "\n".join([head, *lines])
