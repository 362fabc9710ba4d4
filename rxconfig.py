"""Reflex configuration; every value comes from agentflow.settings."""

import reflex as rx
from reflex.plugins import RadixThemesPlugin, SitemapPlugin

from agentflow.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="agentflow",
    # The Reflex app object lives in agentflow/app.py; the rest of agentflow/ is the
    # framework-free domain core.
    app_module_import="agentflow.app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[SitemapPlugin],
    backend_port=settings.web_port,
    frontend_port=settings.web_port,
    # Several web processes behind a load balancer share UI state through Redis.
    redis_url=settings.redis_url,
    state_manager_mode="redis" if settings.redis_url else "memory",
    # Page events arrive over a websocket carrying the session cookie: only this
    # site's own pages may open it (a foreign Origin is refused at the handshake).
    cors_allowed_origins=list(settings.trusted_origins),
)
