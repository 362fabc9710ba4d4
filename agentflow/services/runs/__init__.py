"""Runs: starting, queueing and describing them, their events and failures.

- ``gate``:        what may refuse a new run before it is stored (budgets, limits)
- ``dispatch``:    start, enqueue, cancel, decide approvals and rerun on the worker pool
- ``lifecycle``:   validate and store a run, execute it, record decisions, describe it
- ``queries``:     filtered, paginated run lists (Executions page, CLI, API)
- ``events``:      run events: stored, announced on Redis, followed by live views
- ``failed_runs``: the failed-runs list and bulk rerun
"""
