-- age_windows_exclusion_themes v1: two facets over MSC trials, one row per item, ranked within its facet:
--   'age_window'      : the trial's eligible ages ('18-65 years', '18+ years', 'up to 17 years', 'any age'),
--                       from trial_age_window; share of MSC trials with a known window
--   'exclusion_theme' : a theme found in the exclusion criteria (criteria_themes); share of MSC trials that
--                       state exclusion criteria.
-- The 10 most common exclusion themes: where facet = 'exclusion_theme' and rank_in_facet <= 10.

with

msc_trials as (
    select trial_id from trials where is_msc
),

-- age windows -------------------------------------------------------------------
windows as (
    select
        w.trial_id,
        case
            when w.min_age_years is null and w.max_age_years is null then 'any age'
            when w.max_age_years is null
                then cast(cast(floor(w.min_age_years) as integer) as varchar) || '+ years'
            when w.min_age_years is null
                then 'up to ' || cast(cast(floor(w.max_age_years) as integer) as varchar) || ' years'
            else cast(cast(floor(w.min_age_years) as integer) as varchar) || '-'
                || cast(cast(floor(w.max_age_years) as integer) as varchar) || ' years'
        end as item
    from trial_age_window as w
    where w.trial_id in (select trial_id from msc_trials)
),

age_counts as (
    select
        'age_window' as facet,
        item,
        count(distinct trial_id) as n_trials,
        (select count(distinct trial_id) from windows) as of_trials
    from windows
    group by item
),

-- exclusion themes ----------------------------------------------------------------
excluding_trials as (
    select distinct c.trial_id
    from criteria as c
    where c.criterion_type = 'exclusion' and c.trial_id in (select trial_id from msc_trials)
),

theme_counts as (
    select
        'exclusion_theme' as facet,
        th.theme as item,
        count(distinct th.trial_id) as n_trials,
        (select count(*) from excluding_trials) as of_trials
    from criteria_themes as th
    where th.criterion_type = 'exclusion' and th.trial_id in (select trial_id from msc_trials)
    group by th.theme
),

both_facets as (
    select facet, item, n_trials, of_trials from age_counts
    union all
    select facet, item, n_trials, of_trials from theme_counts
),

final as (
    select
        facet,
        item,
        n_trials,
        of_trials,
        cast(n_trials as double) / nullif(of_trials, 0) as share_of_trials,
        row_number() over (partition by facet order by n_trials desc, item) as rank_in_facet
    from both_facets
)

select * from final
