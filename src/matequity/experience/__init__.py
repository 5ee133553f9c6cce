"""Experience beside outcomes: staff (the Workforce Race Equality Standard),
families (CQC maternity survey, Friends and Family Test, a trust's own survey or
complaints by ethnic group) and the community an LMNS serves (resident
population by ethnic group beside its births).

Published aggregates in, small tables out: loaders check each documented CSV
(one-line errors naming file, row and column), the statistics are computed on
the counts, and :mod:`matequity.experience.analysis` returns released results
for the reports and the dashboard.
"""
