"""All configuration, from environment variables (prefix ``AGENTFLOW_``) and ``.env``.

One class, read once per process through :func:`get_settings`. ``DATABASE_URL`` and
``REDIS_URL`` keep their conventional unprefixed names because every hosting
platform sets them that way; when they are unset the embedded services are used.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Values that must never protect a production deployment. Anything shorter than
# MIN_SECRET_LENGTH is refused as well.
KNOWN_DEFAULT_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "dev", "development", "agentflow", "default"}
)
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class UnsafeSettingsError(Exception):
    """The configuration is not safe to start with; ``message`` says how to fix it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AGENTFLOW_", env_file=".env", extra="ignore", populate_by_name=True
    )

    env: Environment = Environment.DEVELOPMENT
    secret_key: str = ""
    data_dir: Path = PROJECT_ROOT / ".data"

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "AGENTFLOW_DATABASE_URL")
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "AGENTFLOW_REDIS_URL")
    )

    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8000, ge=1, le=65535)
    # The address people open in a browser; defaults to http://web_host:web_port.
    public_url: str | None = None

    worker_max_jobs: int = Field(default=20, ge=1, le=1000)
    # A worker that has not sent a heartbeat for this long no longer counts as alive.
    worker_heartbeat_ttl_s: int = Field(default=30, ge=5, le=3600)
    # How often a worker asks Redis for new jobs: the floor of enqueue-to-start latency.
    worker_poll_delay_s: float = Field(default=0.01, gt=0, le=5)
    # A run's lease: renewed every run_lease_renew_s (which is also how quickly a
    # running run notices it was cancelled); a dead worker's runs are taken over at
    # most run_lease_ttl_s + reaper_interval_s after its last renewal, ahead of all
    # queued new runs (docs/durability.md; a unit test checks the two agree).
    run_lease_ttl_s: float = Field(default=10, ge=2, le=600)
    run_lease_renew_s: float = Field(default=1, gt=0, le=60)
    reaper_interval_s: float = Field(default=2, gt=0, le=600)
    # Hosts every workflow of this instance may call despite the private-address guard
    # (comma-separated host, host:port, IP or CIDR), e.g. an internal API. Never metadata.
    outbound_allow_hosts: str = ""
    # On workers, a delay longer than this frees the worker: the run waits and is
    # resumed by a deferred job when the delay ends.
    inline_wait_max_s: float = Field(default=5, ge=0, le=3600)
    # A queued run not picked up for this long has its queue entry checked.
    reaper_grace_s: float = Field(default=10, ge=1, le=3600)

    @property
    def allowed_outbound_hosts(self) -> tuple[str, ...]:
        return tuple(h.strip() for h in self.outbound_allow_hosts.split(",") if h.strip())

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.web_host}:{self.web_port}"

    @property
    def trusted_origins(self) -> tuple[str, ...]:
        """Origins whose pages may change state with the session cookie (CSRF).

        The public address; and, for a server on a loopback address, the same port
        reached as 127.0.0.1 or localhost, which are one machine.
        """
        base = self.base_url.rstrip("/").lower()
        if self.public_url or self.web_host not in LOOPBACK_HOSTS:
            return (base,)
        return tuple(f"http://{host}:{self.web_port}" for host in ("127.0.0.1", "localhost"))

    @property
    def uses_embedded_services(self) -> bool:
        return self.database_url is None or self.redis_url is None

    # Accounts. Outgoing mail (password resets, invitations): smtp://user:pass@host:587
    # (STARTTLS when the server offers it) or smtps://user:pass@host:465. Unset: the
    # message, link included, goes to the server log instead.
    smtp_url: str | None = None
    smtp_from: str = "AgentFlow <no-reply@localhost>"
    session_ttl_s: int = Field(default=14 * 24 * 3600, ge=300, le=90 * 24 * 3600)
    # Failed logins allowed per account and per client IP within the window.
    login_max_failures_per_account: int = Field(default=5, ge=1, le=1000)
    login_max_failures_per_ip: int = Field(default=20, ge=1, le=100_000)
    login_window_s: int = Field(default=15 * 60, ge=10, le=24 * 3600)
    password_reset_ttl_s: int = Field(default=3600, ge=60, le=24 * 3600)
    invitation_ttl_s: int = Field(default=7 * 24 * 3600, ge=300, le=30 * 24 * 3600)
    # REST API v1: requests allowed per sliding window per API key (or signed-in user)
    # and per organisation.
    api_rate_limit_per_key: int = Field(default=600, ge=1, le=1_000_000)
    api_rate_limit_per_org: int = Field(default=1200, ge=1, le=10_000_000)
    api_rate_window_s: int = Field(default=60, ge=1, le=24 * 3600)
    # Webhooks (/hooks/<token>, docs/webhooks.md). Bodies over the limit get 413 before
    # they are read; a `response: sync` hook waits this long for the run's output, then
    # answers 202 with the run id; requests per window per client IP and per hook URL.
    webhook_max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    webhook_sync_timeout_s: float = Field(default=30, ge=0, le=300)
    webhook_rate_limit_per_ip: int = Field(default=300, ge=1, le=1_000_000)
    webhook_rate_limit_per_hook: int = Field(default=600, ge=1, le=1_000_000)
    webhook_rate_window_s: int = Field(default=60, ge=1, le=24 * 3600)
    # Templates: the litellm model an installed template's LLM steps use where the
    # template says `model: default` (set a provider key and they call it for real);
    # and the e-mail addresses (comma-separated) of the people who approve templates
    # that organisations publish to the whole instance.
    template_model: str = Field(default="openai/gpt-4o-mini", min_length=1)
    instance_admins: str = ""

    @property
    def instance_admin_emails(self) -> frozenset[str]:
        return frozenset(e.strip().lower() for e in self.instance_admins.split(",") if e.strip())

    # Model providers (docs/nodes.md#model-providers). The litellm providers a workflow's
    # `model` may select, comma-separated (unset: the hosted ones listed there); and the
    # instance's own model servers, a JSON object of provider -> base URL such as
    # {"ollama": "http://10.0.0.7:11434"}: the only private addresses model calls reach.
    llm_providers: str | None = None
    llm_local_servers: dict[str, str] = Field(default_factory=dict)

    @field_validator("llm_providers")
    @classmethod
    def _guarded_llm_providers(cls, value: str | None) -> str | None:
        from agentflow.llm.providers import PROVIDERS_SETTING, check_provider_name

        for name in (value or "").split(","):
            if name.strip():
                check_provider_name(name, setting=PROVIDERS_SETTING)
        return value

    @field_validator("llm_local_servers", mode="before")
    @classmethod
    def _llm_local_servers(cls, value: Any) -> dict[str, str]:
        from agentflow.llm.providers import parse_local_servers

        return parse_local_servers(value)

    # Schedules (docs/schedules.md). Workers look for due ticks this often.
    schedule_poll_s: float = Field(default=5, gt=0, le=60)
    # A tick more than this late counts as missed (workers were down or busy).
    schedule_misfire_grace_s: float = Field(default=60, ge=1, le=24 * 3600)
    # Missed ticks: "skip" them, or "run_once" (one catch-up run for all of them).
    schedule_missed_ticks: Literal["skip", "run_once"] = "run_once"
    # A schedule whose last N scheduled runs all failed is disabled (0: never).
    schedule_max_consecutive_failures: int = Field(default=5, ge=0, le=1000)
    # Outgoing events (docs/outgoing-events.md): attempts per delivery, the delay
    # before attempt n+1 (backoff_s * 2**(n-1), at most max_backoff_s), each
    # attempt's time limit, and how often workers look for deliveries to send.
    event_delivery_max_attempts: int = Field(default=8, ge=1, le=50)
    event_delivery_backoff_s: float = Field(default=10, gt=0, le=3600)
    event_delivery_max_backoff_s: float = Field(default=3600, gt=0, le=7 * 24 * 3600)
    event_delivery_timeout_s: float = Field(default=10, gt=0, le=120)
    event_delivery_poll_s: float = Field(default=1, gt=0, le=60)


def _generated_secret_path(settings: Settings) -> Path:
    return settings.data_dir / "secret_key"


def resolve_secret_key(settings: Settings) -> str:
    """The key that signs sessions and derives encryption keys.

    Production refuses to run on a missing or well-known key. Development makes a
    random one once and keeps it in the data folder, so sessions survive restarts.
    """
    key = settings.secret_key.strip()
    if settings.is_production:
        if key.lower() in KNOWN_DEFAULT_SECRETS or len(key) < MIN_SECRET_LENGTH:
            raise UnsafeSettingsError(
                "AGENTFLOW_SECRET_KEY is missing or unsafe. In production set it to a random "
                f"value of at least {MIN_SECRET_LENGTH} characters, for example:\n"
                '  export AGENTFLOW_SECRET_KEY="$(python -c '
                "'import secrets; print(secrets.token_urlsafe(48))')\""
            )
        return key
    if key:
        return key
    path = _generated_secret_path(settings)
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    generated = secrets.token_urlsafe(48)
    path.write_text(generated + "\n")
    path.chmod(0o600)
    return generated


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
