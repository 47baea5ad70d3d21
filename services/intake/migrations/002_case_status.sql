-- The case's status as the decisions service's events tell it (issue 18, point 7), so an
-- application's view follows its case: open at decisions, granted, refused, suspended, terminated,
-- withdrawn, forwarded, closed. Written only by intake's consumer of decisions' events
-- (services/intake/case_status.py), never by intake's commands; intake's rebuild from its
-- own event store leaves it alone (it is rebuilt by replaying decisions' stream). The
-- decisions service keys a case by the id of the application it was opened from.
-- No personal data: ids, codes, dates and numbers only.

create table application_case_status (
    application_id   uuid        primary key,
    municipality     text        not null,
    status           text        not null check (status in ('open', 'granted', 'refused',
                                     'suspended', 'terminated', 'withdrawn', 'forwarded',
                                     'closed')),
    decided_on       date,
    decision_number  integer,
    -- The case's aggregate version of the event that set this row: an older or repeated
    -- event never overwrites a newer one.
    case_version     integer     not null,
    changed_by       text        not null,
    updated_at       timestamptz not null
);
