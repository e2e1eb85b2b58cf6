-- administrations_by_condition v1: one row per condition: how many times MSC trials give the product.

with

msc_trials as (
    select t.trial_id, p.n_administrations
    from trials as t
    left join msc_profile as p on p.trial_id = t.trial_id
    where t.is_msc
),

trial_conditions as (
    select distinct c.trial_id, lower(trim(c.condition)) as condition
    from conditions as c
),

final as (
    select
        tc.condition,
        count(*) as n_trials,
        count(m.n_administrations) as n_with_administrations,
        count(case when m.n_administrations = 1 then 1 end) as n_single_administration,
        count(case when m.n_administrations > 1 then 1 end) as n_repeated_administrations,
        cast(percentile_cont(0.5) within group (order by m.n_administrations) as double) as administrations_median,
        max(m.n_administrations) as administrations_max
    from msc_trials as m
    inner join trial_conditions as tc on tc.trial_id = m.trial_id
    group by tc.condition
)

select * from final
