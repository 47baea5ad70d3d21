-- Read models of intake (architecture.md §5): built only from intake's own events, by
-- services/intake/projections.py, in the transaction of the command that appended them;
-- they can be emptied and rebuilt from the event store at any time (projections.rebuild).
-- Every column comes from an event or its envelope (no now(), no sequences), so a rebuild
-- gives exactly the rows the live projection wrote.

create table applications (
    application_id     uuid        primary key,
    municipality       text        not null,
    status             text        not null check (status in ('submitted', 'withdrawn')),
    channel            text        not null,
    received_on        date        not null,
    -- rules.md §5.4: for the caseworker's list; the decisions service owns the deadline.
    decision_due_on    date        not null,
    first_name         text        not null,
    last_name          text        not null,
    personal_code      text        not null,
    -- The ApplicationSubmitted data as recorded, for the detail view.
    submission         jsonb       not null,
    document_count     integer     not null default 0,
    change_count       integer     not null default 0,
    withdrawn_on       date,
    withdrawal_reason  text,
    version            integer     not null,
    submitted_at       timestamptz not null,
    updated_at         timestamptz not null
);
create index applications_list
    on applications (municipality, status, received_on desc, application_id desc);
create index applications_by_code on applications (municipality, personal_code);

create table application_documents (
    document_id     uuid        primary key,
    application_id  uuid        not null references applications (application_id),
    kind            text        not null,
    title           text        not null,
    content_sha256  text        not null,
    storage_ref     text        not null,
    received_on     date        not null,
    version         integer     not null,
    added_at        timestamptz not null
);
create index application_documents_of on application_documents (application_id, version);

create table application_changes (
    report_id        uuid        primary key,
    application_id   uuid        not null references applications (application_id),
    kind             text        not null,
    effective_from   date        not null,
    effective_until  date,
    description      text        not null,
    version          integer     not null,
    reported_at      timestamptz not null
);
create index application_changes_of on application_changes (application_id, version);
