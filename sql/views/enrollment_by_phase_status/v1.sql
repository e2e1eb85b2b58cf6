-- enrollment_by_phase_status v1: one row per phase x overall status: planned (ESTIMATED) vs actual (ACTUAL)
-- enrollment of MSC trials.

with

msc_trials as (
    select
        coalesce(phase, 'NOT_STATED') as phase,
        coalesce(overall_status, 'NOT_STATED') as overall_status,
        enrollment,
        enrollment_type
    from trials
    where is_msc
),

final as (
    select
        phase,
        overall_status,
        count(*) as n_trials,
        -- planned
        count(case when enrollment_type = 'ESTIMATED' and enrollment is not null then 1 end) as n_planned,
        cast(sum(case when enrollment_type = 'ESTIMATED' then enrollment end) as bigint) as planned_total,
        cast(percentile_cont(0.5) within group (
            order by case when enrollment_type = 'ESTIMATED' then enrollment end
        ) as double) as planned_median,
        -- actual
        count(case when enrollment_type = 'ACTUAL' and enrollment is not null then 1 end) as n_actual,
        cast(sum(case when enrollment_type = 'ACTUAL' then enrollment end) as bigint) as actual_total,
        cast(percentile_cont(0.5) within group (
            order by case when enrollment_type = 'ACTUAL' then enrollment end
        ) as double) as actual_median,
        -- enrollment stated without saying which
        count(case when enrollment_type is null and enrollment is not null then 1 end) as n_type_not_stated
    from msc_trials
    group by phase, overall_status
)

select * from final
