-- Register numbers of decision documents (legal.md §3 item 2): <prefix>/<year>/<sequence>,
-- one sequence per municipality and year. Not a read model: a rebuild never empties it,
-- because a number once issued is never issued again. The row is locked by the
-- allocating transaction until it commits, so concurrent decisions get consecutive
-- numbers, and a rolled-back decision gives its number back (no gaps, no duplicates).
create table if not exists register_counters (
    municipality text not null,
    year integer not null,
    last_number integer not null,
    primary key (municipality, year)
);
