-- v_thread_state: one row per active thread slot (key: thread_slug, slot), with the value it
-- holds now (null while nothing has been observed), since when, and how many independent
-- sources agree. For analysts' "where do things stand?".
drop view if exists v_thread_state cascade;
create view v_thread_state as
with final as (
    select
        t.slug as thread_slug,
        s.slot,
        st.value_text,
        st.value_num,
        st.value_low,
        st.qualifier,
        st.since,
        st.document_version_id,
        st.source_count,
        st.last_observed_at,
        st.attributed_to,
        st.source_line,
        s.slot_type,
        s.unit,
        t.title as thread_title,
        d.url,
        v.title,
        src.name as source,
        st.computed_at
    from thread_slots as s
    join threads as t on t.thread_id = s.thread_id
    left join thread_state as st on st.thread_slot_id = s.thread_slot_id
    left join document_versions as v on v.document_version_id = st.document_version_id
    left join documents as d on d.document_id = v.document_id
    left join sources as src on src.source_id = d.source_id
    where t.is_active
      and s.is_active
)
select
    thread_slug,
    slot,
    value_text,
    value_num,
    value_low,
    qualifier,
    since,
    document_version_id,
    source_count,
    last_observed_at,
    attributed_to,
    source_line,
    slot_type,
    unit,
    thread_title,
    url,
    title,
    source,
    computed_at
from final;
comment on view v_thread_state is
    'One row per active thread slot (key thread_slug, slot): its current value, since when (publication time of the observation that set it) and how many independent sources agree.';
comment on column v_thread_state.source_count is 'Independent sources whose observations agree with the value since it was set (copies of a story count once).';
