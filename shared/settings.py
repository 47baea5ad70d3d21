"""Settings from the environment, prefix ``ASIST_`` (architecture.md §6).

Defaults point at the embedded local stack started by ``./asist up``.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The ports come from the one list of services (shared/services_catalog.py, issue #8).
from shared.services_catalog import SERVICE_PORTS as SERVICE_PORTS


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASIST_", extra="ignore")

    nats_url: str = "nats://127.0.0.1:14222"
    # -1: never give up reconnecting (issue #19; nats-py's default gives up after 60 x 2 s).
    nats_max_reconnect_attempts: int = -1
    nats_reconnect_wait_seconds: float = 1.0
    # NATS credentials (issue #9): a user and password, or a .creds file (JWT + nkey seed).
    nats_user: str = ""
    nats_password: str = ""
    nats_creds: str = ""
    # 32 random bytes, base64url: wraps every person's data key (shared/privacy/keyring.py).
    master_key: str = ""
    # A server DSN: each service creates and uses its own database on it.
    database_url: str = "postgresql://asist@127.0.0.1:15432/postgres"
    # Each service's database is "<prefix>_<service>"; tests use a prefix of their own.
    database_prefix: str = Field(default="asist", pattern="^[a-z][a-z0-9_]{0,30}$")
    http_host: str = "127.0.0.1"
    http_port: int | None = None
    log_format: str = Field(default="console", pattern="^(json|console)$")
    log_level: str = "INFO"
    # Replicas of every JetStream stream: 1 on one machine, 3 on the cluster of deploy/nats.
    stream_replicas: int = 1
    # Consumers: redelivery with growing delays, then the dead-letter stream.
    consumer_max_deliver: int = 5
    consumer_backoff_seconds: list[float] = [1.0, 5.0, 15.0, 60.0]
    # Short, so a killed consumer's messages come back soon; a live batch sends
    # "in progress" meanwhile (shared/bus/heartbeat.py, issue #19).
    consumer_ack_wait_seconds: float = 5.0
    consumer_batch_size: int = 100
    # How long a fetch waits to fill its batch: the latency a consumer adds below a batch
    # per timeout; shorter costs idle CPU (docs/backbone.md "Consumers", issue #14).
    consumer_batch_timeout_seconds: float = 0.05
    relay_poll_seconds: float = 0.5
    relay_batch_size: int = 500
    # Bearer tokens: "token=role:municipality,..." (municipality "*" for the ministry).
    tokens: str = ""

    def port_for(self, service: str) -> int:
        return self.http_port if self.http_port is not None else SERVICE_PORTS[service]

    def database_name(self, service: str) -> str:
        return f"{self.database_prefix}_{service}"
