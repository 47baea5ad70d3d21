-- Hours granted per period of a grant (HoursGranted, then each GrantAmended from its
-- effective day) and the grant's suspensions (ServiceSuspended / ServiceResumed), so the
-- monthly report (rules.md §9) counts the hours in force on each day of the month.
create table grant_periods (
    case_id        text    not null,
    effective_from date    not null,
    unit           text    not null,
    hours          numeric not null,
    primary key (case_id, effective_from)
);

create table suspensions (
    case_id        text    not null,
    suspended_from date    not null,
    resumed_on     date,              -- first day with the service again; null: still
    primary key (case_id, suspended_from)
);
