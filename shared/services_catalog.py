"""The one list of the services (issue #8): name, port, stream, upstreams, module, migrations.

Everything that names every service is derived from this list or checked against it by a
test (``tests/unit/test_services_catalog.py``): the settings' ports, ``deploy/services.py``
(which processes ``./asist up`` starts), the NATS users and permissions
(``deploy/nats_accounts.py``), the container's entry point, the compose files and
reporting's upstreams. Adding a service is one entry here plus the files listed in
docs/architecture.md "To add a service, copy this".

Standard library only: ``./asist down`` and ``status`` import it before ``.venv`` exists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    # The local stack's HTTP port, and the one compose publishes (settings.port_for).
    port: int
    # The services whose events it consumes (architecture.md §2 "consumes"): a durable
    # consumer on each of their streams, and NATS permission to read exactly those.
    consumes: tuple[str, ...]
    # Whether it publishes events of its own (a stream ``<NAME>``); reporting does not.
    publishes: bool = True

    @property
    def module(self) -> str:
        """What ``python -m`` runs: ``services/<name>/__main__.py``."""
        return f"services.{self.name}"

    @property
    def migrations(self) -> str:
        """Its SQL migrations, relative to the repository root (the service's ``app.py``)."""
        return f"services/{self.name}/migrations"

    @property
    def stream(self) -> str | None:
        """Its JetStream stream, or None when it publishes nothing."""
        return self.name.upper() if self.publishes else None


# In the order `./asist up` starts them and `status` lists them. Intake also reads
# decisions (erasures, forwarded applications, issue #9).
CATALOG: tuple[ServiceEntry, ...] = (
    ServiceEntry("intake", 8101, consumes=("decisions",)),
    ServiceEntry("decisions", 8102, consumes=("intake",)),
    ServiceEntry("timesheets", 8103, consumes=("decisions",)),
    ServiceEntry("payments", 8104, consumes=("decisions", "timesheets")),
    ServiceEntry(
        "reporting",
        8105,
        consumes=("intake", "decisions", "timesheets", "payments"),
        publishes=False,
    ),
)

SERVICE_NAMES: tuple[str, ...] = tuple(entry.name for entry in CATALOG)
SERVICE_PORTS: dict[str, int] = {entry.name: entry.port for entry in CATALOG}


def service(name: str) -> ServiceEntry:
    """The entry of ``name``; a clear error naming the known ones otherwise."""
    for entry in CATALOG:
        if entry.name == name:
            return entry
    raise KeyError(f"unknown service {name!r}; known: {', '.join(SERVICE_NAMES)}")
