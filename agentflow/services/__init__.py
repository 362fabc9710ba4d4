"""Use cases shared by the UI states, the API routes, the worker and the CLI.

One package per domain, mirroring agentflow/db: ``runs``, ``workflows``,
``templates``, ``triggers`` (webhooks, schedules), ``tenancy`` (accounts,
organisations, keys, secrets, permissions, audit), ``governance`` (analytics,
budgets, alerts), ``delivery`` (outgoing events, notifications, mail) and
``system`` (health). Each package's docstring lists its modules.
"""
