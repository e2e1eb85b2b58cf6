-- primary_outcomes_by_condition v1: one row per condition x primary-outcome theme, for MSC trials.
-- A primary outcome measure is normalized by the pattern table below (LIKE on the lower-cased measure with
-- punctuation turned into spaces and a space at each end); a measure matching several themes counts under each,
-- one matching none is 'other'. Extend the table to add themes.

with

measure_patterns as (
    select * from (
        values
            ('adverse events/safety', '%adverse event%'),
            ('adverse events/safety', '%adverse effect%'),
            ('adverse events/safety', '%adverse reaction%'),
            ('adverse events/safety', '%side effect%'),
            ('adverse events/safety', '%safety%'),
            ('adverse events/safety', '%toxicit%'),
            ('adverse events/safety', '%tolerab%'),
            ('adverse events/safety', '%dose limiting%'),
            ('adverse events/safety', '%infusion reaction%'),
            ('WOMAC', '%womac%'),
            ('WOMAC', '%western ontario%'),
            ('KOOS', '% koos %'),
            ('KOOS', '%knee injury and osteoarthritis outcome%'),
            ('IKDC', '% ikdc %'),
            ('VAS', '% vas %'),
            ('VAS', '%visual analog%'),
            ('SLEDAI', '%sledai%'),
            ('PASI', '% pasi %'),
            ('PASI', '%psoriasis area%'),
            ('FEV1', '% fev1 %'),
            ('FEV1', '%forced expiratory volume%'),
            ('FVC', '% fvc %'),
            ('FVC', '%forced vital capacity%'),
            ('EDSS', '% edss %'),
            ('EDSS', '%expanded disability status%'),
            ('ALSFRS', '%alsfrs%'),
            ('ALSFRS', '%als functional rating%'),
            ('6MWT', '% 6mwt %'),
            ('6MWT', '% 6mwd %'),
            ('6MWT', '%6 minute walk%'),
            ('6MWT', '%six minute walk%'),
            ('LVEF', '% lvef %'),
            ('LVEF', '%ejection fraction%'),
            ('mortality', '%mortality%'),
            ('mortality', '%death%'),
            ('survival', '%survival%'),
            ('GVHD response', '% gvhd %'),
            ('GVHD response', '%graft versus host%'),
            ('PaO2/FiO2', '%pao2%'),
            ('PaO2/FiO2', '%oxygenation index%'),
            ('MELD/Child-Pugh', '% meld %'),
            ('MELD/Child-Pugh', '%child pugh%'),
            ('HbA1c/C-peptide', '%hba1c%'),
            ('HbA1c/C-peptide', '%c peptide%'),
            ('Ashworth spasticity', '%ashworth%'),
            ('gross motor function', '%gross motor function%'),
            ('gross motor function', '% gmfm%'),
            ('NYHA class', '% nyha %'),
            ('MRI', '% mri %'),
            ('MRI', '%magnetic resonance%'),
            ('wound/ulcer healing', '%wound%'),
            ('wound/ulcer healing', '%ulcer heal%'),
            ('fistula healing', '%fistula%'),
            ('bone regeneration', '%bone formation%'),
            ('bone regeneration', '%regenerated bone%'),
            ('bone regeneration', '%bone regeneration%'),
            ('hospitalization', '%hospitali%'),
            ('engraftment', '%engraftment%')
    ) as v (outcome_theme, pattern)
),

msc_outcomes as (
    select
        o.trial_id,
        ' ' || lower(
            replace(replace(replace(replace(replace(replace(replace(replace(
                o.measure, '(', ' '), ')', ' '), ',', ' '), ':', ' '), ';', ' '), '-', ' '), '/', ' '), '.', ' ')
        ) || ' ' as measure_text
    from outcomes as o
    inner join trials as t on t.trial_id = o.trial_id
    where t.is_msc and o.outcome_type = 'primary' and o.measure is not null
),

matched as (
    select mo.trial_id, mp.outcome_theme
    from msc_outcomes as mo
    inner join measure_patterns as mp on mo.measure_text like mp.pattern
),

unmatched as (
    select mo.trial_id, 'other' as outcome_theme
    from msc_outcomes as mo
    where not exists (select 1 from measure_patterns as mp where mo.measure_text like mp.pattern)
),

trial_themes as (
    select trial_id, outcome_theme from matched
    union
    select trial_id, outcome_theme from unmatched
),

trial_conditions as (
    select distinct trial_id, lower(trim(condition)) as condition from conditions
),

condition_trials as (
    select tc.condition, count(distinct tc.trial_id) as n_condition_trials
    from trial_conditions as tc
    where tc.trial_id in (select trial_id from msc_outcomes)
    group by tc.condition
),

counted as (
    select tc.condition, tt.outcome_theme, count(distinct tt.trial_id) as n_trials
    from trial_themes as tt
    inner join trial_conditions as tc on tc.trial_id = tt.trial_id
    group by tc.condition, tt.outcome_theme
),

final as (
    select
        c.condition,
        c.outcome_theme,
        c.n_trials,
        ct.n_condition_trials,
        cast(c.n_trials as double) / ct.n_condition_trials as share_of_condition_trials,
        row_number() over (partition by c.condition order by c.n_trials desc, c.outcome_theme) as theme_rank
    from counted as c
    inner join condition_trials as ct on ct.condition = c.condition
)

select * from final
