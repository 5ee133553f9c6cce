"""Accounts of the service: users and roles, passwords (argon2id), API tokens and
sessions (only hashes stored), log-in rate limits and each role's organisation
scope. Authentication (how a person proves who they are) and authorisation
(what their role and organisation let them see) are kept apart: a new identity
provider only has to produce a user record (see :mod:`matequity.web.auth`)."""
