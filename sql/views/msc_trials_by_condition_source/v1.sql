-- msc_trials_by_condition_source v1: one row per condition x cell source, counting MSC trials.
-- A trial using several sources ('adipose|bone_marrow') counts once under each of them.

with

msc_trials as (
    select t.trial_id, coalesce(p.cell_source, 'unspecified') as cell_source
    from trials as t
    left join msc_profile as p on p.trial_id = t.trial_id
    where t.is_msc
),

-- the contract's cell_source values, to split '|'-joined values portably
source_values as (
    select * from (
        values
            ('adipose'), ('amnion'), ('bone_marrow'), ('cord_blood'), ('dental_pulp'), ('menstrual_blood'),
            ('other'), ('placenta'), ('umbilical_cord'), ('unspecified'), ('wharton_jelly')
    ) as v (cell_source)
),

trial_sources as (
    select m.trial_id, s.cell_source
    from msc_trials as m
    inner join source_values as s on '|' || m.cell_source || '|' like '%|' || s.cell_source || '|%'
),

trial_conditions as (
    select distinct c.trial_id, lower(trim(c.condition)) as condition
    from conditions as c
    where c.trial_id in (select trial_id from msc_trials)
),

final as (
    select
        tc.condition,
        ts.cell_source,
        count(distinct ts.trial_id) as n_trials
    from trial_conditions as tc
    inner join trial_sources as ts on ts.trial_id = tc.trial_id
    group by tc.condition, ts.cell_source
)

select * from final
