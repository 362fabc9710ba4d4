"""The HTTP surface that is not a page: the REST API v1, webhook intake, the auth form
routes, the API docs and the security headers on every answer."""
