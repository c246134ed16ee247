-- A state read from a bare noun phrase ("a final agreement, a signing, a referendum defeat")
-- is weak evidence: it may give a slot its first value or agree with the current one, but
-- it never moves the slot on its own (tracking/developments.py).
alter table observations add column nominal boolean not null default false;
comment on column observations.nominal is 'The state was read from a noun phrase with no predicate of its own ("sanctions over the invasion"): it never moves the slot on its own.';
