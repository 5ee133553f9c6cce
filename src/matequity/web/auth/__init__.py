"""Authentication: who is making a request. Each authenticator turns a request
into an :class:`~matequity.web.auth.identity.Identity` (or nothing); the
authorisation code (:mod:`matequity.web.authz`) only ever sees the identity's
user record. Password log-in and API tokens are built in; an organisation's
identity provider (OIDC) is added as another way of starting a session: a
callback route that verifies the provider's ID token, finds the user by email
and calls :func:`matequity.accounts.sessions.start` with ``auth_method="oidc"``.
Nothing in authorisation changes."""
