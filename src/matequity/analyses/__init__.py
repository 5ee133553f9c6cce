"""Analyses: functions of (engine, parameters, policy) returning typed results,
already released under the policy. Reports, the CLI, the demo and the web
service all call them; none of them computes.

* :func:`~matequity.analyses.lmns.lmns`: the LMNS equity and equality analysis;
* :func:`~matequity.analyses.national.national`: national equity progress;
* :func:`~matequity.analyses.board.board`: the trust board safety analysis;
* :func:`~matequity.analyses.quality.quality`: data quality of a store;
* :func:`~matequity.analyses.summary.summary`: every measure for England and each LMNS;
* the pieces they are made of, for the dashboard: an organisation
  (:mod:`~matequity.analyses.organisations`), a measure by group against a
  reference and the best group (:mod:`~matequity.analyses.by_group`), an
  organisation among its peers (:mod:`~matequity.analyses.funnel`), the
  deprivation gradient (:mod:`~matequity.analyses.gradient`).
* the service's queries: released counts and rates for any breakdown, level and
  organisations, organisations, measures, a quality summary and the MOSS charts
  (:mod:`~matequity.analyses.queries`);
* stabilised & adjusted rates of every trust, by comparator group
  (:mod:`~matequity.analyses.stabilised_rates`); experience beside outcomes
  (:mod:`~matequity.analyses.experience`).
"""
