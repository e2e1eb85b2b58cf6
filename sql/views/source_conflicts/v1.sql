-- source_conflicts v1: one row per trial x field x distinct value, for the trial fields on which its
-- documents disagree (from field_sources): which documents stated the value, whether it won, and why.

with

values_by_document as (
    select trial_id, field, value, doc_id, is_chosen, reason from field_sources
),

conflicting_fields as (
    select trial_id, field, count(distinct value) as n_distinct_values
    from values_by_document
    group by trial_id, field
    having count(distinct value) > 1
),

final as (
    select
        v.trial_id,
        v.field,
        v.value,
        string_agg(v.doc_id, '; ' order by v.doc_id) as doc_ids,
        count(*) as n_documents,
        max(case when v.is_chosen then 1 else 0 end) = 1 as is_chosen,
        max(case when v.is_chosen then v.reason end) as chosen_reason,
        cf.n_distinct_values
    from values_by_document as v
    inner join conflicting_fields as cf on cf.trial_id = v.trial_id and cf.field = v.field
    group by v.trial_id, v.field, v.value, cf.n_distinct_values
)

select * from final
