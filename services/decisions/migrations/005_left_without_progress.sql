-- APL 56(1.1), legal.md §6 (issue #17): an application left without progress; while the
-- defect lasts the decision term does not run, so the case is not overdue in the lists.
-- A read-model column like the others: a rebuild fills it from the events.
alter table cases add column if not exists left_without_progress boolean not null default false;
