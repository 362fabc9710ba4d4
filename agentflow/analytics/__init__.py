"""Analytics over runs and steps: periods, rollups, and the queries the dashboards use.

No Reflex, no actor checks: agentflow.services.governance.analytics wraps these for people and
keys; jobs/analytics.py maintains the rollups.
"""
