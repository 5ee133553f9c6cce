"""Signal extraction on every engine: the monthly and daily MOSS events of
every site, identical to DuckDB's and to a plain count from the definitions."""

from __future__ import annotations

import duckdb
import pandas as pd

from matequity.signals.from_store import daily_events, g_chart_input, monthly_events


def test_monthly_and_daily_events_identical(engine, duck):
    monthly, daily = monthly_events(engine), daily_events(engine)
    pd.testing.assert_frame_equal(monthly, monthly_events(duck))
    pd.testing.assert_frame_equal(daily, daily_events(duck))
    assert monthly["events"].sum() == daily["events"].sum() > 0
    # the g-chart of the site with the most events, from both tables
    site = daily.groupby("site_code")["events"].sum().idxmax()
    pd.testing.assert_frame_equal(
        g_chart_input(monthly, daily, site),
        g_chart_input(monthly_events(duck), daily_events(duck), site),
    )


def test_events_match_plain_sql_from_the_rules(engine, synthetic_store):
    """MOSS events (term stillbirths and term neonatal deaths) and term births
    per site and month, counted with plain SQL over the records: at term
    (37+0 weeks, 259 days) a birth is viable, so only the outcome, termination
    and age at death matter."""
    con = duckdb.connect(str(synthetic_store), read_only=True)
    want = con.execute(
        """SELECT site_code, strftime(birth_date, '%Y-%m') AS month,
          count(*) FILTER (WHERE outcome = 'still' OR (outcome = 'live'
            AND death_date IS NOT NULL AND death_date - birth_date <= 27)) AS events,
          count(*) AS births
        FROM babies
        WHERE gestation_days >= 259 AND NOT coalesce(termination, false)
          AND outcome IN ('live', 'still')
        GROUP BY ALL ORDER BY ALL"""
    ).df()
    con.close()
    got = monthly_events(engine)
    got = got[got["births"] > 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
