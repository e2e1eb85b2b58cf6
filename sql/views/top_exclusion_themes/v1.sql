-- top_exclusion_themes v1: the 10 most common exclusion themes in MSC trials, with the share of trials
-- (of the MSC trials that state exclusion criteria). One row per theme, rank 1-10.

with

msc_trials as (
    select trial_id from trials where is_msc
),

excluding_trials as (
    select distinct c.trial_id
    from criteria as c
    where c.criterion_type = 'exclusion' and c.trial_id in (select trial_id from msc_trials)
),

theme_counts as (
    select th.theme, count(distinct th.trial_id) as n_trials
    from criteria_themes as th
    where th.criterion_type = 'exclusion' and th.trial_id in (select trial_id from msc_trials)
    group by th.theme
),

ranked as (
    select
        theme,
        n_trials,
        (select count(*) from excluding_trials) as of_trials,
        row_number() over (order by n_trials desc, theme) as theme_rank
    from theme_counts
),

final as (
    select
        theme_rank,
        theme,
        n_trials,
        of_trials,
        cast(n_trials as double) / nullif(of_trials, 0) as share_of_trials
    from ranked
    where theme_rank <= 10
)

select * from final
