"""Authorisation: what a role may see and do. It looks only at the user record
(role and organisation), never at how the user authenticated.

* Figures: exact within scope, released under the publication policy outside
  it (:mod:`matequity.web.data`).
* Signals: a user sees the signals of the sites in scope; others do not exist
  for them (404).
* Checks: the trust's own users record critical safety checks and status
  changes for their sites; LMNS, region and national users see them (MOSS SOP:
  the trust checks and shares its actions with the LMNS/ICB, regional and
  national teams). Admins manage accounts and see everything.
"""

from __future__ import annotations

from matequity.accounts.scope import Scope
from matequity.accounts.users import User
from matequity.errors import UserError

RECORDERS = ("trust",)
OVERSIGHT = ("lmns", "region", "national", "admin")


class Forbidden(UserError):
    """Authenticated but not allowed."""


def can_record(user: User, scope: Scope, site_code: str) -> bool:
    return user.role in RECORDERS and scope.sees_site(site_code)


def require_record(user: User, scope: Scope, site_code: str) -> None:
    if not can_record(user, scope, site_code):
        raise Forbidden(
            "only the trust's own users record checks and status changes for its signals"
        )
