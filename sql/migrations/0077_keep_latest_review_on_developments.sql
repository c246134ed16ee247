-- The latest review's action (confirm, dismiss, reopen) is kept on its development by a
-- trigger on development_reviews, however the review is written (storywatch review, the
-- dashboard, an analyst's own SQL). "The latest developments of a thread that are not
-- dismissed" then filters a column of developments, and an index on the timeline order stops
-- after the first page: joined to the latest of every review, the planner expected one row
-- and sorted all of a thread's developments (94 ms at 100k versions, bench/scale.py).
alter table developments add column review_action text;
comment on column developments.review_action is
    'The action of the latest review (confirm, dismiss, reopen), null if never reviewed; kept by a trigger on development_reviews.';

create function developments_take_latest_review() returns trigger
language plpgsql as $$
begin
    update developments as dev
    set review_action = (
        select r.action from development_reviews as r
        where r.development_id = dev.development_id
        order by r.reviewed_at desc, r.development_review_id desc
        limit 1)
    where dev.development_id in (new.development_id, old.development_id);
    return null;
end
$$;

create trigger development_reviews_latest_on_development
after insert or update or delete on development_reviews
for each row execute function developments_take_latest_review();

update developments as dev
set review_action = (
    select r.action from development_reviews as r
    where r.development_id = dev.development_id
    order by r.reviewed_at desc, r.development_review_id desc
    limit 1)
where exists (select 1 from development_reviews as r where r.development_id = dev.development_id);

drop index if exists developments_ordered_at_idx;
create index developments_ordered_idx on developments (ordered_at desc, development_id desc);
