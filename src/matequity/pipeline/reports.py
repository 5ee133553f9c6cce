"""Building and writing a report: the analysis, its layout, and the files
(self-contained HTML, PDF, charts as SVG and PNG). The CLI's ``report`` verbs,
the demo and the web service call these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from matequity import engine as engines
from matequity import vocabulary as vocab
from matequity.disclosure.policy import Policy
from matequity.errors import UserError
from matequity.outputs.charts.annotations import Annotation
from matequity.outputs.reports import render
from matequity.outputs.reports.document import Report

Format = Literal["html", "pdf", "both"]
FORMATS: tuple[str, ...] = ("html", "pdf", "both")
KINDS: tuple[str, ...] = ("board", "lmns", "national")


@dataclass(frozen=True, kw_only=True)
class ReportRequest:
    kind: str
    org: str
    policy: Policy
    period: str | None = None
    overdispersion: str = "none"
    reference_rate: float | None = None
    #: dated notes drawn on the charts (interventions, changes of practice)
    annotations: tuple[Annotation, ...] = ()
    #: the service database holding the signal register (default: beside the store)
    database: str | None = None
    #: include stabilised & adjusted rates (a model fitted per measure)
    stabilised: bool = True


def register_reader(database: str | None):
    """Reads the signal register's rows for a trust's sites from the service
    database (``database``, else the one beside the store; none there: an
    empty register)."""

    def read(eng: engines.Engine, sites: list[str]) -> pd.DataFrame:
        from matequity.analyses.board import REGISTER_COLUMNS
        from matequity.servicedb.location import default_path

        if database is None and not default_path(eng.location).exists():
            return pd.DataFrame(columns=list(REGISTER_COLUMNS))
        from matequity.servicedb import default_url, open_database
        from matequity.signals import register

        db = open_database(database or default_url(eng.location))
        try:
            reg = register.listing(db, site_codes=sites)
        finally:
            db.dispose()
        reg = reg.sort_values(["month", "site_code"], ascending=[False, True])
        return reg[list(REGISTER_COLUMNS)].reset_index(drop=True)

    return read


def build(eng: engines.Engine, req: ReportRequest) -> tuple[Report, object]:
    """The report document and the analysis it lays out (each kind's analysis and
    layout imported only for that kind: a report pays for its own modules)."""
    if req.kind == "board":
        from matequity.analyses.board import board
        from matequity.outputs.reports import board as board_layout

        a = board(
            eng,
            req.org,
            req.policy,
            req.period,
            req.reference_rate,
            register=register_reader(req.database),
            with_stabilised=req.stabilised,
        )
        return board_layout.report(a, req.annotations), a
    if req.kind == "lmns":
        from matequity.analyses.lmns import lmns
        from matequity.outputs.reports import lmns as lmns_layout

        a = lmns(
            eng,
            req.org,
            req.policy,
            req.period,
            req.overdispersion,
            with_stabilised=req.stabilised,
        )
        return lmns_layout.report(a, req.annotations), a
    if req.kind == "national":
        if req.org != vocab.ENGLAND_CODE:
            raise UserError(
                f"--org {req.org}: the national report covers England ({vocab.ENGLAND_CODE}) only"
            )
        from matequity.analyses.national import national
        from matequity.outputs.reports import national as national_layout

        a = national(
            eng, req.policy, req.period, req.overdispersion, with_stabilised=req.stabilised
        )
        return national_layout.report(a, req.annotations), a
    raise UserError(f"unknown report '{req.kind}': expected {', '.join(KINDS)}")


def write(
    rep: Report,
    out: Path,
    stem: str,
    fmt: Format = "both",
    images: bool = False,
    say: Callable[[str], None] = lambda _m: None,
) -> list[Path]:
    """The report's HTML and/or PDF, and optionally its charts as SVG and PNG."""
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: expected html, pdf or both")
    written = []
    if fmt in ("html", "both"):
        written.append(render.write_html(rep, out / f"{stem}.html"))
    if fmt in ("pdf", "both"):
        written.append(render.write_pdf(rep, out / f"{stem}.pdf"))
    for p in written:
        say(f"wrote {p}")
    if images:
        files = render.write_images(rep, out / f"{stem}_charts")
        say(f"wrote {len(files) // 2} charts as SVG and PNG in {out / f'{stem}_charts'}")
        written += files
    return written


def report_to_files(
    kind: str,
    location: Path,
    req: ReportRequest,
    out: Path,
    fmt: Format = "both",
    images: bool = False,
    say: Callable[[str], None] = lambda _m: None,
) -> list[Path]:
    """Open the store, build the report and write its files."""
    with engines.open(kind, location) as eng:
        rep, _analysis = build(eng, req)
    return write(rep, out, f"{req.kind}_{req.org}", fmt, images, say)
