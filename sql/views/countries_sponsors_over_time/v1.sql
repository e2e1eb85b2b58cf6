-- countries_sponsors_over_time v1: one row per start year x country x sponsor type, counting MSC trials.
-- sponsor_type is 'industry' when the lead sponsor's class is INDUSTRY, else 'academic_other'; a trial
-- counts once in each of its countries; country is NULL when the record lists none.

with

msc_trials as (
    select
        trial_id,
        cast(extract(year from start_date) as integer) as start_year,
        case when lead_sponsor_class = 'INDUSTRY' then 'industry' else 'academic_other' end as sponsor_type
    from trials
    where is_msc
),

trial_countries as (
    select distinct trial_id, country from countries
),

final as (
    select
        m.start_year,
        tc.country,
        m.sponsor_type,
        count(distinct m.trial_id) as n_trials
    from msc_trials as m
    left join trial_countries as tc on tc.trial_id = m.trial_id
    group by m.start_year, tc.country, m.sponsor_type
)

select * from final
