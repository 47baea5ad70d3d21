-- Tables of the payments service (architecture.md §5).
--
-- Three kinds:
-- * what this service knows from upstream events (decisions, timesheets), written by its
--   consumers: assistants, cases, approved_days. Rebuilt by replaying those streams, not
--   this service's own event store.
-- * read models of this service's own events, rebuilt by services/payments/rebuild.py:
--   runs, payments, payment_lines, recoveries, reports.
-- * records a bank file needs and no event carries (IBANs and names stay out of events,
--   legal.md §8): bank_files and transfers, written in the transaction of the approval
--   that exported them, kept by a rebuild.

create table assistants (
    assistant_id  text primary key,
    municipality  text    not null,
    personal_code text    not null,
    name          text    not null,
    iban          text    not null,
    tax_status    text    not null,
    tax_book_held boolean not null default false
);

create table cases (
    case_id       text primary key,
    municipality  text    not null,
    received_on   date    not null,
    status        text    not null default 'open',
    decided_on    date,
    decided_late  boolean,
    age_group     text,
    vision_group  boolean,
    unit          text,
    hours         numeric,
    period_start  date,
    period_end    date,
    ended_from    date     -- first day without the service (termination)
);
create index cases_by_municipality on cases (municipality);

-- The hours that count for pay, as last approved (TimesheetApproved, then TimesheetCorrected).
create table approved_days (
    timesheet_id  text    not null,
    day           date    not null,
    activity      text    not null,
    hours         numeric not null,
    primary key (timesheet_id, day, activity)
);
create table timesheets (
    timesheet_id  text primary key,
    municipality  text    not null,
    assistant_id  text    not null,
    case_id       text    not null,
    month         text    not null,
    version       integer not null
);
create index timesheets_by_month on timesheets (municipality, month);

create table runs (
    run_id        text primary key,
    municipality  text    not null,
    month         text    not null,
    kind          text    not null,
    status        text    not null,   -- draft, approved
    opened_on     date    not null,
    opened_by     text    not null,
    approved_on   date,
    approved_by   text,
    totals        jsonb   not null,
    file_name     text,
    file_sha256   text
);
create index runs_by_month on runs (municipality, month);

create table payments (
    payment_id    text primary key,
    run_id        text    not null,
    municipality  text    not null,
    month         text    not null,
    assistant_id  text    not null,
    tax_status    text    not null,
    hours         numeric not null,
    gross         numeric not null,
    employer_contribution numeric not null,
    employee_contribution numeric not null,
    income_tax    numeric not null,
    net           numeric not null,
    total_cost    numeric not null,
    recovered     numeric not null,
    transfer      numeric not null,   -- net - recovered when positive, else 0
    status        text    not null,   -- issued, returned, reissued
    return_reason text,
    reissued_as   text,
    original_payment_id text          -- set on a re-issue
);
create index payments_by_month on payments (municipality, month, assistant_id);

create table payment_lines (
    payment_id    text    not null,
    line_no       integer not null,
    municipality  text    not null,
    month         text    not null,
    assistant_id  text    not null,
    case_id       text    not null,
    timesheet_id  text    not null,
    rate_from     date    not null,
    hourly_amount numeric not null,
    hours         numeric not null,
    gross         numeric not null,
    employer_contribution numeric not null,
    employee_contribution numeric not null,
    income_tax    numeric not null,
    net           numeric not null,
    total_cost    numeric not null,
    primary key (payment_id, line_no)
);
create index payment_lines_by_month on payment_lines (municipality, month, assistant_id);

-- Over-payments still to net against the next payment (rules.md §8: never a negative transfer).
create table recoveries (
    municipality  text    not null,
    assistant_id  text    not null,
    due           numeric not null,
    primary key (municipality, assistant_id)
);

create table reports (
    municipality  text    not null,
    month         text    not null,
    report_id     text    not null,
    submitted_on  date    not null,
    submitted_by  text    not null,
    figures       jsonb   not null,
    primary key (municipality, month)
);

-- Content-addressed bank files: the bytes whose SHA-256 a PaymentBatchExported names.
create table bank_files (
    file_sha256   text primary key,
    run_id        text    not null unique,
    municipality  text    not null,
    file_name     text    not null,
    content       bytea   not null
);

-- Each credit transfer as sent: to which account (for returns and re-issues).
create table transfers (
    payment_id    text primary key,
    run_id        text    not null,
    municipality  text    not null,
    assistant_id  text    not null,
    amount        numeric not null,
    iban          text    not null
);
