-- The event store of one service (architecture.md §5). Append-only.
create table events (
    -- Commit order equals position order: appends take a transaction advisory lock
    -- (see eventstore.py), so a reader of "all after position N" never skips a row
    -- that commits later with a smaller position.
    position      bigserial primary key,
    stream_id     text        not null,
    version       integer     not null check (version >= 1),
    event_id      uuid        not null unique,
    event_type    text        not null,
    municipality  text        not null,
    envelope      jsonb       not null,
    recorded_at   timestamptz not null default now(),
    -- Optimistic concurrency: two writers of the same version of a stream cannot both commit.
    unique (stream_id, version)
);
create index events_municipality_position on events (municipality, position);

-- Transactional outbox: the row commits with its event; the relay publishes and marks it.
create table outbox (
    position      bigint primary key references events (position),
    subject       text        not null,
    published_at  timestamptz
);
create index outbox_unpublished on outbox (position) where published_at is null;

-- Idempotent consumers: the id of every handled event, recorded with its effects.
create table processed_events (
    consumer      text        not null,
    event_id      uuid        not null,
    processed_at  timestamptz not null default now(),
    primary key (consumer, event_id)
);

-- Idempotent HTTP commands: a retried request with the same key returns the first result.
create table idempotency_keys (
    scope         text        not null,
    key           text        not null,
    request_hash  text        not null,
    status_code   integer     not null,
    body          jsonb       not null,
    created_at    timestamptz not null default now(),
    primary key (scope, key)
);
