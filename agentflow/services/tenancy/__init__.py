"""Who is who: accounts, organisations, members, keys, secrets, permissions, audit.

- ``accounts``:      sign-up, login, sessions, password reset
- ``registration``:  sign-up confirmed by e-mail, without revealing who has an account
- ``organizations``: organisations, memberships, invitations, switching organisation
- ``invitations``:   what an invitation link offers before it is accepted
- ``api_keys``:      API keys: issue, check, revoke
- ``secrets``:       organisation secrets, encrypted at rest
- ``permissions``:   actors, roles, API key scopes and the permission matrix
- ``acting``:        check, do and record a change in one transaction
- ``audit``:         the append-only audit trail
- ``audit_lookups``: read-only lookups over the audit trail
- ``rate_limit``:    the sliding-window rate limiter shared by every web process
"""
