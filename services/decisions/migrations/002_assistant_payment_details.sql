-- AssistantPaymentDetailsChanged (rules.md §8): whether the assistant's electronic tax book
-- (algas nodokļa grāmatiņa) is with this municipality.
alter table assistants add column tax_book_held boolean not null default false;
