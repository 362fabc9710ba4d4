"""Page states and API routers: thin callers of agentflow.services."""
