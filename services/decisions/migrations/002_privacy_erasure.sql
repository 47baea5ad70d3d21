-- Erasure (issue #9): an erased assistant's personal code reads 'erased' after a rebuild, so
-- "one registration per person and municipality" holds for persons still known only.
alter table assistants drop constraint assistants_municipality_personal_code_key;
create unique index assistants_one_per_person
    on assistants (municipality, personal_code) where personal_code <> 'erased';
