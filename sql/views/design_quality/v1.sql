-- design_quality v1: one row per product type x phase: the share of interventional MSC trials that are
-- randomized, placebo-controlled (a placebo/sham comparator arm, or a placebo intervention) and masked.

with

msc_trials as (
    select
        t.trial_id,
        coalesce(t.phase, 'NOT_STATED') as phase,
        coalesce(p.product_type, 'unspecified') as product_type,
        t.allocation,
        t.masking
    from trials as t
    left join msc_profile as p on p.trial_id = t.trial_id
    where t.is_msc and t.study_type = 'INTERVENTIONAL'
),

product_values as (
    select * from (
        values
            ('cells'), ('conditioned_medium'), ('exosomes'), ('extracellular_vesicles'), ('secretome'),
            ('unspecified')
    ) as v (product_type)
),

placebo_trials as (
    select trial_id from arms where arm_type in ('PLACEBO_COMPARATOR', 'SHAM_COMPARATOR')
    union
    select trial_id from interventions where lower(intervention_name) like '%placebo%'
),

flags as (
    select
        m.trial_id,
        pv.product_type,
        m.phase,
        case when m.allocation = 'RANDOMIZED' then 1 else 0 end as is_randomized,
        case when pt.trial_id is not null then 1 else 0 end as is_placebo_controlled,
        case when m.masking in ('SINGLE', 'DOUBLE', 'TRIPLE', 'QUADRUPLE') then 1 else 0 end as is_masked
    from msc_trials as m
    inner join product_values as pv on '|' || m.product_type || '|' like '%|' || pv.product_type || '|%'
    left join placebo_trials as pt on pt.trial_id = m.trial_id
),

final as (
    select
        product_type,
        phase,
        count(*) as n_trials,
        count(case when is_randomized = 1 then 1 end) as n_randomized,
        cast(avg(cast(is_randomized as double)) as double) as share_randomized,
        count(case when is_placebo_controlled = 1 then 1 end) as n_placebo_controlled,
        cast(avg(cast(is_placebo_controlled as double)) as double) as share_placebo_controlled,
        count(case when is_masked = 1 then 1 end) as n_masked,
        cast(avg(cast(is_masked as double)) as double) as share_masked
    from flags
    group by product_type, phase
)

select * from final
