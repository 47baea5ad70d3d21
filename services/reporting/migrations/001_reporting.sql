-- The ministry's national view (issue 12). No personal data by construction: no personal
-- code, name, address, IBAN, free text or id of a case, assistant or report is stored.
-- Entities are named by a keyed pseudonym (HMAC-SHA256 under the key below), which only
-- lets the service add a late event to what it already knows about the same entity.

-- The pseudonym key: random (two v4 UUIDs from PostgreSQL's strong random source, 244
-- bits), made once with the database, never leaves it.
create table pseudonym_key (
    id   boolean primary key default true check (id),
    key  bytea   not null
);
insert into pseudonym_key (key)
values (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

-- What the figures need to know about one entity (a case, a time report, an assistant's
-- month of work or of payments, a payment run, an application): dates, hours, amounts,
-- groups and reason codes, keyed by fact; each fact carries the date it became known.
create table entities (
    entity        text primary key,      -- "<kind>:<pseudonym>"
    kind          text  not null,
    municipality  text  not null,
    facts         jsonb not null default '{}'::jsonb
);

-- The figures as a history of changes: a figure "as known on D" is the sum of the rows
-- known on or before D. An entity's rows are rewritten whenever it learns a fact, so the
-- sums never depend on the order events arrive in.
create table figure_rows (
    entity        text    not null references entities (entity) on delete cascade,
    municipality  text    not null,
    month         text    not null,      -- "YYYY-MM"
    metric        text    not null,
    key           text    not null default '',
    known_on      date    not null,
    value         numeric not null
);
create index figure_rows_entity on figure_rows (entity);
create index figure_rows_month on figure_rows (month, known_on);
create index figure_rows_municipality on figure_rows (municipality, month);

-- The municipalities' own monthly reports (MonthlyReportSubmitted, rules.md §9): figures
-- only. A resubmission is a new row; "as known on D" takes the newest known by then.
create table monthly_reports (
    event_id      uuid    primary key,
    municipality  text    not null,
    month         text    not null,
    submitted_on  date    not null,
    known_on      date    not null,
    figures       jsonb   not null
);
create index monthly_reports_month on monthly_reports (month, municipality);

-- How far the one-time replay of history that older durables acknowledged without
-- handling it has gone (services/reporting/history.py), per upstream stream.
create table history_replayed (
    stream        text   primary key,
    up_to_seq     bigint not null
);
