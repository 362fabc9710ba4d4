"""Keeping spend and reliability in check: analytics, budgets, alerts.

- ``analytics``:        dashboards and exports for people and API keys
- ``budgets``:          monthly cost budgets of organisations and workflows
- ``alerts``:           alert rules and their history
- ``alert_evaluation``: the worker's evaluation of alert rules and budgets
- ``alert_delivery``:   delivering a triggered alert
"""
