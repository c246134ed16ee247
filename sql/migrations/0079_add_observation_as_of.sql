-- The day a figure is given for, when its sentence names one ("321 ships were waiting on
-- Saturday", "By Friday afternoon, 237 vessels"): two sources' figures for different days are
-- successive readings of a quantity that moves, not a dispute (tracking/developments.py).
alter table observations add column as_of date;
comment on column observations.as_of is
    'The day the figure is given for, when its clause, its paragraph''s label or the sentence''s opening phrase names one (a weekday or a date); null otherwise.';
