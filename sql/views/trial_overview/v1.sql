-- trial_overview v1: one row per trial, with its MSC profile, conditions, countries and design.

with

-- import ---------------------------------------------------------------------
base_trials as (
    select * from trials
),

profiles as (
    select * from msc_profile
),

-- one text per trial for its lists --------------------------------------------
condition_lists as (
    select
        trial_id,
        string_agg(condition, '; ' order by condition) as conditions,
        count(*) as n_conditions
    from (select distinct trial_id, condition from conditions) as distinct_conditions
    group by trial_id
),

country_lists as (
    select
        trial_id,
        string_agg(country, '; ' order by country) as countries,
        count(*) as n_countries
    from (select distinct trial_id, country from countries) as distinct_countries
    group by trial_id
),

final as (
    select
        -- ids and status
        t.trial_id,
        t.registry,
        t.brief_title,
        t.is_msc,
        t.overall_status,
        -- design
        t.study_type,
        t.phase,
        t.allocation,
        t.intervention_model,
        t.masking,
        t.primary_purpose,
        t.enrollment,
        t.enrollment_type,
        -- dates
        t.start_date,
        cast(extract(year from t.start_date) as integer) as start_year,
        t.completion_date,
        t.last_update_date,
        -- sponsor
        t.lead_sponsor,
        t.lead_sponsor_class,
        case when t.lead_sponsor_class = 'INDUSTRY' then 'industry' else 'academic_other' end as sponsor_type,
        -- MSC profile
        p.cell_source,
        p.donor,
        p.product_type,
        p.route,
        p.dose_per_kg,
        p.dose_total_cells,
        p.n_administrations,
        -- lists
        cl.conditions,
        cast(coalesce(cl.n_conditions, 0) as bigint) as n_conditions,
        co.countries,
        cast(coalesce(co.n_countries, 0) as bigint) as n_countries
    from base_trials as t
    left join profiles as p on p.trial_id = t.trial_id
    left join condition_lists as cl on cl.trial_id = t.trial_id
    left join country_lists as co on co.trial_id = t.trial_id
)

select * from final
