"""Persistence on PostgreSQL: databases, migrations, the event store and the outbox."""
