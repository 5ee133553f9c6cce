"""The data-access layer: the only way pages and the API reach record-derived
figures. It calls the analysis functions (:mod:`matequity.analyses.queries`)
with the organisation codes a user's scope allows (in scope: exact; outside:
released under the publication policy), so scope is applied where the data
are fetched, and caches results per store version (a cheap file fingerprint,
looked at again every second; an ingest invalidates the cache).

One engine per worker process, opened on first use and reopened when the store
changes; calls into it are serialised (an embedded DuckDB connection is not
shared between threads).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd

from matequity.accounts.scope import LEVEL_COLUMNS, Scope, scope_for
from matequity.accounts.users import User
from matequity.analyses import queries
from matequity.analyses.source import StoreSource
from matequity.errors import UserError

T = TypeVar("T")
MIXED = "mixed: exact within your scope, released outside it (see each row)"


class NotFound(UserError):
    """An organisation or signal that does not exist (or is not for this user)."""


@dataclass(frozen=True)
class ScopedFigures:
    """Rows of exact figures (in scope) and released figures (outside scope)."""

    rows: pd.DataFrame
    disclosure_policy: str
    exact: tuple[str, ...]
    released: tuple[str, ...]


class DataAccess:
    def __init__(
        self,
        source: StoreSource,
        policy: str = "nhs",
        cache_entries: int = 4096,
        recheck_seconds: float = 1.0,
    ) -> None:
        self.source = source
        self._recheck = recheck_seconds
        self._seen: tuple[str, float] | None = None
        self.policy = policy
        self._lock = threading.RLock()
        self._cache_lock = threading.Lock()
        self._engine = None
        self._fp: str | None = None
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._max = cache_entries

    # -- engine and cache -------------------------------------------------
    def fingerprint(self) -> str:
        """The store's fingerprint, looked at again once ``recheck_seconds``
        have passed (a request asks several times; an ingest is seen within
        that time)."""
        now = time.monotonic()
        seen = self._seen
        if seen is None or now - seen[1] >= self._recheck:
            seen = (self.source.fingerprint(), now)
            self._seen = seen
        return seen[0]

    def _current(self):
        fp = self.fingerprint()
        if self._engine is None or fp != self._fp:
            if self._engine is not None:
                self._engine.close()
            with self._cache_lock:
                self._cache.clear()
            self._engine = self.source.open()
            self._fp = fp
        return self._engine

    def _hit(self, k: tuple) -> tuple[bool, Any]:
        with self._cache_lock:
            if k in self._cache:
                self._cache.move_to_end(k)
                return True, self._cache[k]
        return False, None

    def _cached(self, key: tuple, fn: Callable[[Any], T]) -> T:
        # a hit needs no engine: answered while another thread computes
        found, value = self._hit((self.fingerprint(), *key))
        if found:
            return value
        with self._lock:
            eng = self._current()
            k = (self._fp, *key)
            found, value = self._hit(k)
            if found:
                return value
            value = fn(eng)
            with self._cache_lock:
                self._cache[k] = value
                while len(self._cache) > self._max:
                    self._cache.popitem(last=False)
            return value

    def cached(self, key: tuple, fn: Callable[[Any], T]) -> T:
        """``fn(engine)``, computed once per store version and ``key`` (``fn``
        must call analysis functions only: the engine is theirs)."""
        return self._cached(key, fn)

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None

    # -- reference data -----------------------------------------------------
    def organisations(self) -> pd.DataFrame:
        return self._cached(("orgs",), lambda e: queries.organisations(e).table)

    def scope(self, user: User) -> Scope:
        orgs = self.organisations()
        return self._cached(("scope", user.role, user.org_code), lambda _e: scope_for(user, orgs))

    def codes(self, level: str) -> list[str]:
        if level not in LEVEL_COLUMNS:
            raise UserError(
                f"unknown level '{level}': expected england, {', '.join(LEVEL_COLUMNS)}"
            )
        return sorted(self.organisations()[LEVEL_COLUMNS[level]].dropna().astype(str).unique())

    def site_records(self) -> dict[str, dict]:
        """Each site's row of the organisations table by site code (shared by
        the requests of this process: never change it)."""
        return self._cached(
            ("site_records",),
            lambda _e: {r["site_code"]: r for r in self.organisations().to_dict("records")},
        )

    def site_names(self) -> dict[str, str]:
        """Site code -> site name (shared, as :meth:`site_records`)."""
        return self._cached(
            ("site_names",),
            lambda _e: {k: r["site_name"] for k, r in self.site_records().items()},
        )

    def site(self, site_code: str) -> dict | None:
        """The site's row of the organisations table (a copy), None if unknown."""
        r = self.site_records().get(site_code)
        return None if r is None else dict(r)

    # -- figures --------------------------------------------------------------
    def _split(
        self, scope: Scope, level: str, org_codes: Sequence[str] | None
    ) -> tuple[list[str] | None, list[str] | None]:
        """(exact codes, released codes); None = every organisation of the level."""
        if level == "england":
            if org_codes:
                raise UserError("org: England has no organisation codes; leave it out")
            return (None, []) if scope.everything else ([], None)
        known = set(self.codes(level))
        if org_codes:
            bad = [c for c in org_codes if c not in known]
            if bad:
                raise NotFound(f"org {bad[0]!r}: no such {level} in the store's organisations")
            codes = list(dict.fromkeys(org_codes))
        else:
            if scope.everything:
                return None, []
            codes = sorted(known)
        return scope.split(level, codes)

    def figures(
        self,
        kind: str,
        scope: Scope,
        *,
        measures: Sequence[str],
        by: Sequence[str],
        level: str,
        org_codes: Sequence[str] | None,
        period: str,
    ) -> ScopedFigures:
        """Counts (``kind='counts'``) or rates (``'rates'``) for the user's scope."""
        fn = {"counts": queries.counts, "rates": queries.rates}[kind]
        exact, released = self._split(scope, level, org_codes)
        parts, policies = [], []
        for codes, policy in ((exact, None), (released, self.policy)):
            if codes is not None and len(codes) == 0:
                continue
            key = (
                kind,
                tuple(measures),
                tuple(by),
                level,
                period,
                tuple(codes or ()),
                codes is None,
                policy,
            )
            res = self._cached(
                key,
                lambda e, c=codes, p=policy: fn(
                    e, measures=measures, by=by, level=level, org_codes=c, period=period, policy=p
                ),
            )
            parts.append(res.table)
            policies.append(res.disclosure_policy)
        rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        pol = policies[0] if len(set(policies)) == 1 else MIXED
        return ScopedFigures(rows, pol, _codes(exact, level, self), _codes(released, level, self))

    def quality(
        self, scope: Scope, *, level: str, org_codes: Sequence[str] | None
    ) -> ScopedFigures:
        exact, released = self._split(scope, level, org_codes)
        parts, policies = [], []
        for codes, policy in ((exact, None), (released, self.policy)):
            if codes is not None and len(codes) == 0:
                continue
            key = ("quality", level, tuple(codes or ()), codes is None, policy)
            res = self._cached(
                key,
                lambda e, c=codes, p=policy: queries.quality_summary(
                    e, level=level, org_codes=c, policy=p
                ),
            )
            parts.append(res.completeness)
            policies.append(res.disclosure_policy)
        rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        pol = policies[0] if len(set(policies)) == 1 else MIXED
        return ScopedFigures(rows, pol, _codes(exact, level, self), _codes(released, level, self))

    def moss_site(self, site_code: str, reference_rate: float | None) -> queries.MossSite:
        """The site's MOSS charts (exact: call only for a site in the user's scope)."""
        charts = self._cached(
            ("moss", reference_rate),
            lambda e: queries.moss_charts(e, reference_rate=reference_rate),
        )
        return self._cached(
            ("moss_site", reference_rate, site_code),
            lambda e: queries.moss_site(e, charts, site_code=site_code),
        )


def _codes(codes: list[str] | None, level: str, data: DataAccess) -> tuple[str, ...]:
    if level == "england":
        return ("E92000001",) if codes is None else ()
    return tuple(data.codes(level)) if codes is None else tuple(codes)
