"""AgentFlow: design, run and watch AI agent workflows."""

__version__ = "0.1.0"
