-- Appends that commit side by side (issue #14; docs/backbone.md "Positions and readers").
-- Appends no longer take one lock until commit, so positions (taken at insert) can commit
-- out of order. Each event records the id of the transaction that wrote it (raised to the
-- stream's previous event's when that is larger: eventstore.py); a reader of
-- "all events after N" reads only events of transactions older than the oldest one still
-- running (pg_snapshot_xmin), in (transaction_id, position) order, and so never moves past
-- an event that has yet to commit. Rows already stored get this migration's transaction
-- id: they all committed before it, and keep their position order.
alter table events add column transaction_id xid8 not null default pg_current_xact_id();

create index events_transaction_position on events (transaction_id, position);
create index events_municipality_transaction_position
    on events (municipality, transaction_id, position);
drop index events_municipality_position;
