-- v_developments: one row per development (key: development_id), dismissed ones included,
-- for analysts asking "what moved in the threads I follow?". A development that a later
-- recomputation no longer yields (withdrawn) is left out unless an analyst reviewed it.
drop view if exists v_developments cascade;
create view v_developments as
select
    dev.development_id,
    t.slug as thread_slug,
    s.slot,
    dev.kind,
    dev.value_text,
    dev.value_num,
    dev.value_low,
    dev.qualifier,
    dev.previous_value_text,
    dev.previous_value_num,
    dev.previous_value_low,
    dev.previous_qualifier,
    dev.attributed_to,
    v.published_at,
    dev.detected_at,
    dev.document_version_id,
    d.url,
    v.title,
    src.name as source,
    dev.evidence,
    case dev.review_action
        when 'confirm' then 'confirmed'
        when 'dismiss' then 'dismissed'
        else 'open'
    end as status,
    lr.reviewed_by,
    lr.reviewed_at,
    lr.reason as review_reason,
    t.title as thread_title,
    s.slot_type,
    s.unit,
    dev.source_line,
    dev.ordered_at,
    v.document_id,
    v.version_no,
    d.identity,
    dev.updated_at
from developments as dev
join thread_slots as s on s.thread_slot_id = dev.thread_slot_id
join threads as t on t.thread_id = s.thread_id
join document_versions as v on v.document_version_id = dev.document_version_id
join documents as d on d.document_id = v.document_id
left join sources as src on src.source_id = d.source_id
-- the latest review's details, looked up for the rows read (its action is on dev)
left join lateral (
    select r.reason, r.reviewed_by, r.reviewed_at
    from development_reviews as r
    where r.development_id = dev.development_id
    order by r.reviewed_at desc, r.development_review_id desc
    limit 1
) as lr on dev.review_action is not null
where t.is_active
  and s.is_active
  and (dev.withdrawn_at is null or dev.review_action is not null);
comment on view v_developments is
    'One row per development (key development_id): a document version moved a thread slot (new, update, revision, conflict), with the evidence sentence and its review status (open, confirmed, dismissed).';
comment on column v_developments.value_num is 'The figure in the slot''s unit: the bound for "more than", the upper end of a range.';
comment on column v_developments.value_low is 'The low end of a range ("169,000-190,000").';
comment on column v_developments.qualifier is 'approx, at_least, at_most, range, or null for an exact figure.';
comment on column v_developments.attributed_to is 'Who asserted the value: speaker or cited source, or the outlet for its own narration.';
comment on column v_developments.detected_at is 'When storywatch first recorded the development; unchanged by recomputation.';
comment on column v_developments.ordered_at is 'Publication time (ingestion time when the article had none): the timeline order.';
