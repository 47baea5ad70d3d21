"""The application layer of decisions: each command loads, decides, appends and projects on
the caller's connection (architecture.md §5).

Callers own the transaction (``ctx.run`` for HTTP, the consumer for upstream events), so the
events, the read models, the idempotency key or the processed-event mark commit together or
not at all. A concurrent change of the same stream raises ``ConcurrencyError``; HTTP answers
it with 409, a consumer retries the event. One module per aggregate and concern, imported
side by side: ``streams`` (load, append and project), ``register`` (register numbers and
signing officials), ``cases`` (case commands on the shared pipeline, the deadline checks),
``ports`` (the types the routes and the consumer run ``cases`` by: app.py binds it),
``follow_up`` (what an act does to assignments), ``assistants``.
"""
