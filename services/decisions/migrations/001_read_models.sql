-- Read models of the decisions service (architecture.md §5). Every row is derived from the
-- service's events, written in the transaction that appends them, and can be dropped and
-- rebuilt from the event store (services/decisions/projections.py: rebuild). No column
-- holds a clock reading of its own, so a rebuild gives exactly the same rows.

-- One row per case (= per application): the lists caseworkers work from.
create table cases (
    case_id              text primary key,
    municipality         text    not null,
    status               text    not null,
    client_personal_code text    not null,
    client_name          text    not null,
    received_on          date    not null,
    decision_deadline    date    not null,   -- rules.md §5.4
    overdue              boolean not null default false,  -- DecisionOverdue recorded
    overdue_detected_on  date,
    decided_on           date,
    decided_late         boolean,
    rule_set             text,
    unit                 text,
    hours                numeric,
    period_start         date,
    period_end           date,
    suspended_from       date,
    terminated_from      date,
    termination_reason   text,
    closed_on            date,
    open_tasks           integer not null default 0,
    decisions            integer not null default 0
);
create index cases_by_status on cases (municipality, status, decision_deadline);

-- Caseworker tasks, e.g. a reported change of circumstances (rules.md §5.5).
create table tasks (
    case_id          text not null,
    task_id          text not null,
    municipality     text not null,
    kind             text not null,
    description      text not null,
    effective_from   date,
    effective_until  date,
    source_report_id text,
    status           text not null,
    closed_on        date,
    resolution       text,
    primary key (case_id, task_id)
);
create index tasks_by_status on tasks (municipality, status);

create table assistants (
    assistant_id  text primary key,
    municipality  text not null,
    personal_code text not null,
    first_name    text not null,
    last_name     text not null,
    iban          text not null,
    tax_status    text not null,
    experience    text not null,
    registered_on date not null,
    -- One registration per person and municipality; the register command also takes a lock.
    unique (municipality, personal_code)
);

create table assignments (
    assignment_id text primary key,
    assistant_id  text    not null,
    case_id       text    not null,
    municipality  text    not null,
    assigned_from date    not null,
    weekly_hours  numeric not null,  -- counted against the assistant's 40 h (rules.md §6.1)
    last_day      date,
    end_reason    text
);
create index assignments_by_assistant on assignments (assistant_id);
create index assignments_by_case on assignments (case_id);
