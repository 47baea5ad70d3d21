-- Read models of the timesheets service (architecture.md §5).
--
-- Two kinds of tables. What timesheets knows from decisions' events (grant_*, known_*),
-- written by the decisions consumer, one row per fact keyed by the decision or event that
-- made it, so a repeated event changes nothing. And the reports' own read models
-- (reports, report_entries, report_history), written in the transaction that appends a
-- report's events, and rebuilt from the event store (services/timesheets/rebuild.py).

-- A case with a grant: whose it is (client_code: the reference decisions gives in
-- HoursGranted, to match the same client across cases) and where it ends.
create table grant_cases (
    case_id         text primary key,
    municipality    text not null,
    client_code     text not null,
    any_activity    boolean not null,  -- rules.md §4.3: a child's family decides the use
    terminated_from date
);
create index grant_cases_by_client on grant_cases (client_code);

-- The grant and each amendment of it: from its first day to its last (rules.md §4.5, §5.5).
create table grant_terms (
    case_id         text    not null,
    decision_number integer not null,
    unit            text    not null,    -- week or month: the checks key on it
    hours           numeric not null,
    activities      text[]  not null,
    period_start    date    not null,
    period_end      date    not null,
    primary key (case_id, decision_number)
);

-- Suspensions (rules.md §3.3): first day without the service, first day with it again.
create table grant_suspensions (
    case_id         text    not null,
    decision_number integer not null,
    suspended_from  date    not null,
    resumed_on      date,
    primary key (case_id, decision_number)
);

-- Assistants by registration (one per person and municipality) with the personal code
-- that makes them one person for the 40 h/week (rules.md §6.1, §10, architecture.md §9).
create table known_assistants (
    assistant_id  text primary key,
    municipality  text not null,
    personal_code text not null
);
create index known_assistants_by_person on known_assistants (personal_code);

create table known_assignments (
    assignment_id text primary key,
    assistant_id  text not null,
    case_id       text not null,
    municipality  text not null,
    assigned_from date not null,
    last_day      date
);
create index known_assignments_by_assistant on known_assignments (assistant_id);
create index known_assignments_by_case on known_assignments (case_id);

-- One row per report (assistant x client x month), from the report's own events.
create table reports (
    timesheet_id   text primary key,
    municipality   text    not null,
    assistant_id   text    not null,
    case_id        text    not null,
    assignment_id  text    not null,
    month          text    not null,
    status         text,               -- null: nothing reported yet (only overdue)
    version        integer not null default 1,
    reported_hours numeric not null default 0,
    approved_hours numeric,
    findings       jsonb   not null default '[]',
    reasons        jsonb   not null default '[]',
    submitted_on   date,
    attested_on    date,
    attested_by    text,
    approved_on    date,
    overdue        boolean not null default false,
    due_on         date,
    overdue_detected_on date
);
create index reports_by_month on reports (municipality, month, status);
create index reports_by_assistant on reports (assistant_id, month);
create unique index reports_by_assignment on reports (assignment_id, month);

-- Entries of each report's current version. "counted": the report is submitted, attested
-- or approved, so its hours count in other reports' sums and overlaps (rules.md §7.2).
create table report_entries (
    timesheet_id text    not null,
    idx          integer not null,
    assistant_id text    not null,
    case_id      text    not null,
    day          date    not null,
    start_time   time    not null,
    end_time     time    not null,
    activity     text    not null,
    hours        numeric not null,
    note         text    not null default '',
    approved_hours numeric,
    counted      boolean not null default false,
    primary key (timesheet_id, idx)
);
create index report_entries_by_assistant on report_entries (assistant_id, day) where counted;
create index report_entries_by_case on report_entries (case_id, day) where counted;

-- What happened to a report, in order (the caseworker's "history").
create table report_history (
    timesheet_id text    not null,
    sequence     integer not null,
    event_type   text    not null,
    actor        text,
    version      integer not null,
    summary      jsonb   not null,
    primary key (timesheet_id, sequence)
);
