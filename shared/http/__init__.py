"""HTTP building blocks shared by every service: errors, idempotency, access, the app factory."""
