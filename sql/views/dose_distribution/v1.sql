-- dose_distribution v1: one row per route x cell source: how MSC doses are spread (cells/kg and total cells).
-- Several routes or sources ('|'-joined) count under each. Quantiles are continuous (interpolated); engines
-- without exact percentile_cont (Spark, Trino) approximate them.

with

msc_trials as (
    select
        t.trial_id,
        coalesce(p.route, 'unspecified') as route,
        coalesce(p.cell_source, 'unspecified') as cell_source,
        p.dose_per_kg,
        p.dose_total_cells
    from trials as t
    left join msc_profile as p on p.trial_id = t.trial_id
    where t.is_msc
),

route_values as (
    select * from (
        values
            ('intra_arterial'), ('intra_articular'), ('intracoronary'), ('intradermal'), ('intradiscal'),
            ('intramuscular'), ('intramyocardial'), ('intranasal'), ('intrathecal'), ('intravenous'), ('inhaled'),
            ('local_injection'), ('other'), ('subcutaneous'), ('topical'), ('unspecified')
    ) as v (route)
),

source_values as (
    select * from (
        values
            ('adipose'), ('amnion'), ('bone_marrow'), ('cord_blood'), ('dental_pulp'), ('menstrual_blood'),
            ('other'), ('placenta'), ('umbilical_cord'), ('unspecified'), ('wharton_jelly')
    ) as v (cell_source)
),

exploded as (
    select m.trial_id, r.route, s.cell_source, m.dose_per_kg, m.dose_total_cells
    from msc_trials as m
    inner join route_values as r on '|' || m.route || '|' like '%|' || r.route || '|%'
    inner join source_values as s on '|' || m.cell_source || '|' like '%|' || s.cell_source || '|%'
),

final as (
    select
        route,
        cell_source,
        count(*) as n_trials,
        -- cells per kg of body weight
        count(dose_per_kg) as n_with_dose_per_kg,
        min(dose_per_kg) as dose_per_kg_min,
        percentile_cont(0.25) within group (order by dose_per_kg) as dose_per_kg_p25,
        percentile_cont(0.5) within group (order by dose_per_kg) as dose_per_kg_median,
        percentile_cont(0.75) within group (order by dose_per_kg) as dose_per_kg_p75,
        max(dose_per_kg) as dose_per_kg_max,
        -- total cells per administration
        count(dose_total_cells) as n_with_dose_total_cells,
        min(dose_total_cells) as dose_total_cells_min,
        percentile_cont(0.25) within group (order by dose_total_cells) as dose_total_cells_p25,
        percentile_cont(0.5) within group (order by dose_total_cells) as dose_total_cells_median,
        percentile_cont(0.75) within group (order by dose_total_cells) as dose_total_cells_p75,
        max(dose_total_cells) as dose_total_cells_max
    from exploded
    group by route, cell_source
)

select * from final
