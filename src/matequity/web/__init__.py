"""The matequity web service (FastAPI): accounts and organisation scope, the
signal workflow pages, the API (``/api/v1``) and notifications.

Layout (the dashboard pages build on it): :mod:`.settings` (what ``matequity
serve`` configures), :mod:`.app` (the application), :mod:`.data` (the
data-access layer: every record-derived figure comes from
:mod:`matequity.analyses` through it, scope applied where the data are fetched),
:mod:`.auth` (authentication: sessions, bearer tokens, CSRF, log-in),
:mod:`.authz` (authorisation: what a role may see and do), :mod:`.routes`
(pages, API, health), ``templates/`` (Jinja2, autoescaped) and ``static/``
(CSS, JavaScript, the self-hosted chart and API-docs bundles).
"""
