-- source_product_by_start_year v1: one row per cell source x product type x start year, counting MSC trials.
-- Several sources or product types ('|'-joined) count once under each; start_year is NULL when not stated.

with

msc_trials as (
    select
        t.trial_id,
        cast(extract(year from t.start_date) as integer) as start_year,
        coalesce(p.cell_source, 'unspecified') as cell_source,
        coalesce(p.product_type, 'unspecified') as product_type
    from trials as t
    left join msc_profile as p on p.trial_id = t.trial_id
    where t.is_msc
),

source_values as (
    select * from (
        values
            ('adipose'), ('amnion'), ('bone_marrow'), ('cord_blood'), ('dental_pulp'), ('menstrual_blood'),
            ('other'), ('placenta'), ('umbilical_cord'), ('unspecified'), ('wharton_jelly')
    ) as v (cell_source)
),

product_values as (
    select * from (
        values
            ('cells'), ('conditioned_medium'), ('exosomes'), ('extracellular_vesicles'), ('secretome'),
            ('unspecified')
    ) as v (product_type)
),

exploded as (
    select m.trial_id, m.start_year, s.cell_source, pv.product_type
    from msc_trials as m
    inner join source_values as s on '|' || m.cell_source || '|' like '%|' || s.cell_source || '|%'
    inner join product_values as pv on '|' || m.product_type || '|' like '%|' || pv.product_type || '|%'
),

final as (
    select
        cell_source,
        product_type,
        start_year,
        count(distinct trial_id) as n_trials
    from exploded
    group by cell_source, product_type, start_year
)

select * from final
