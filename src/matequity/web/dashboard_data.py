"""The dashboard's figures as a user may see them: the data-access layer for the
pages (:mod:`matequity.web.routes.dashboard`). Every record-derived figure comes
from an analysis function (:mod:`matequity.analyses.organisation_view`,
:mod:`~matequity.analyses.peers`, :mod:`~matequity.analyses.org_quality`,
:mod:`~matequity.analyses.home`), asked with the policy the user's scope allows:
none (exact) for an organisation in scope, the publication policy otherwise;
tables that mix organisations get each organisation's rows under its own
policy. Results are cached per store version (:class:`matequity.web.data.DataAccess`).
"""

from __future__ import annotations

from dataclasses import dataclass

from matequity import vocabulary as vocab
from matequity.accounts.scope import Scope
from matequity.analyses import home as home_analysis
from matequity.analyses import org_quality, organisation_view, organisations, peers
from matequity.disclosure import policy as policies
from matequity.errors import UserError
from matequity.web.data import DataAccess, NotFound

#: the level a role's home page is about
CHILD_LEVEL = {lv.parent: lv.name for lv in vocab.LEVELS if lv.parent}
HOME_LEVEL = {"admin": "england", "national": "england", "region": "region", "lmns": "lmns"}


@dataclass(frozen=True)
class Link:
    level: str
    code: str
    name: str

    @property
    def href(self) -> str:
        return f"/org/{self.level}/{self.code}"


class DashboardData:
    def __init__(self, data: DataAccess) -> None:
        self.data = data

    # -- the hierarchy (reference data, not derived from records) ------------
    def find(self, level: str, code: str) -> organisations.Organisation:
        if level not in vocab.LEVEL:
            raise NotFound(f"no such level {level!r}: expected {', '.join(vocab.LEVEL_NAMES)}")
        try:
            return self.data.cached(
                ("org", level, code),
                lambda _e: organisations.find(self.data.organisations(), level, code),
            )
        except UserError as e:
            raise NotFound(str(e)) from None

    def england(self) -> organisations.Organisation:
        return self.find("england", vocab.ENGLAND_CODE)

    def home_org(self, scope: Scope) -> organisations.Organisation:
        level = HOME_LEVEL.get(scope.role, "trust")
        return self.england() if level == "england" else self.find(level, str(scope.org_code))

    def children(self, org: organisations.Organisation) -> list[Link]:
        c = organisations.children(self.data.organisations(), org)
        return [Link(r.level, r.code, r.name) for r in c.itertuples()]

    def siblings(self, org: organisations.Organisation) -> list[Link]:
        """The other organisations of the level under the same parent."""
        if not org.parents:
            return []
        plevel, pcode, _name = org.parents[0]
        parent = self.find(plevel, pcode)
        return [c for c in self.children(parent) if c.code != org.code]

    def breadcrumbs(self, org: organisations.Organisation) -> list[Link]:
        return [Link(*p) for p in reversed(org.parents)]

    # -- policies -----------------------------------------------------------
    @property
    def publication(self) -> policies.Policy:
        return policies.get(self.data.policy)

    def policy_for(self, scope: Scope, org: organisations.Organisation) -> policies.Policy | None:
        """None (exact) when ``org`` is in scope, else the publication policy."""
        inside = scope.in_scope(org.level, None if org.level == "england" else org.code)
        return None if inside else self.publication

    def exact_codes(self, scope: Scope, level: str) -> tuple[str, ...]:
        if scope.everything:
            return tuple(self.data.codes(level))
        return tuple(sorted(scope.codes.get(level, frozenset())))

    @staticmethod
    def _pkey(policy: policies.Policy | None) -> str:
        return "exact" if policy is None else policy.name

    # -- figures ------------------------------------------------------------
    def summary(self, scope: Scope, org, period: str | None):
        pol = self.policy_for(scope, org)
        return self.data.cached(
            ("dash-summary", org.level, org.code, period, self._pkey(pol)),
            lambda e: organisation_view.organisation_summary(e, org, period, policy=pol),
        )

    def detail(self, scope: Scope, org, period: str | None, measure: str):
        pol = self.policy_for(scope, org)
        return self.data.cached(
            ("dash-detail", org.level, org.code, period, measure, self._pkey(pol)),
            lambda e: organisation_view.measure_detail(e, org, period, measure, pol),
        )

    def comparison(self, scope: Scope, org, period: str | None, measure: str):
        d = self.detail(scope, org, period, measure)
        eng = self.detail(scope, self.england(), period, measure)
        return organisation_view.against_england(d, eng)

    def peers(self, scope: Scope, org, period: str | None, measure: str, overdispersion: str):
        if org.level == "england":
            return None
        exact = self.exact_codes(scope, org.level)
        return self.data.cached(
            ("dash-peers", org.level, org.code, period, measure, overdispersion, exact),
            lambda e: peers.peers(e, org, period, measure, self.publication, exact, overdispersion),
        )

    def units(self, scope: Scope, org, period: str | None, measures: tuple[str, ...]):
        level = CHILD_LEVEL.get(org.level)
        if level is None:
            return None
        exact = self.exact_codes(scope, level)
        return self.data.cached(
            ("dash-units", org.level, org.code, level, period, measures, exact),
            lambda e: peers.units(e, org, level, period, measures, self.publication, exact),
        )

    def quality(self, scope: Scope, org, period: str | None):
        pol = self.policy_for(scope, org)
        return self.data.cached(
            ("dash-quality", org.level, org.code, period, self._pkey(pol)),
            lambda e: org_quality.organisation_quality(e, org, period, pol),
        )

    def home(self, scope: Scope, org, period: str | None):
        pol = self.policy_for(scope, org)
        level = home_analysis.UNIT_LEVEL.get(org.level)
        exact = self.exact_codes(scope, level) if level else ()
        return self.data.cached(
            ("dash-home", org.level, org.code, period, self._pkey(pol), exact),
            lambda e: home_analysis.home(e, org, period, pol, self.publication, exact),
        )

    def years(self) -> list[str]:
        """The years of birth the store holds (for the period choices)."""
        from matequity.analyses import dashboard_counts

        return self.data.cached(("dash-years",), dashboard_counts.years)
