-- Issued acts as issued (legal.md §3, issue #17 item 4): the HTML, the PDF printed from it
-- and the plain text, each with its SHA-256, stored in the transaction that records the
-- decision. Every later read serves these bytes; a change of template, address or official
-- never alters an issued act. Not a read model: a rebuild never empties it (the act is
-- not re-rendered from events). An erasure (issue #9) deletes the person's rows.
create table if not exists issued_documents (
    case_id         text    not null,
    decision_number integer not null,
    municipality    text    not null,
    register_number text,
    html            bytea   not null,
    html_sha256     text    not null,
    pdf             bytea   not null,
    pdf_sha256      text    not null,
    txt             bytea   not null,
    txt_sha256      text    not null,
    issued_at       timestamptz not null default now(),
    primary key (case_id, decision_number)
);
