"""Use cases shared by the UI states, the API routes, the worker and the CLI."""
