-- data_quality v1: one row per measure x item, over the whole warehouse:
--   'field_coverage'     : a trials column; n = trials stating it, of_total = all trials
--   'rejected_documents' : a rejection reason (the error text up to its first ':'); n = documents,
--                          of_total = all documents
-- The trials columns are listed one by one (portable SQL); a new trials column needs a new line here.

with

field_counts as (
    select 'registry' as item, count(registry) as n from trials
    union all
    select 'brief_title' as item, count(brief_title) as n from trials
    union all
    select 'official_title' as item, count(official_title) as n from trials
    union all
    select 'acronym' as item, count(acronym) as n from trials
    union all
    select 'overall_status' as item, count(overall_status) as n from trials
    union all
    select 'last_known_status' as item, count(last_known_status) as n from trials
    union all
    select 'why_stopped' as item, count(why_stopped) as n from trials
    union all
    select 'phase' as item, count(phase) as n from trials
    union all
    select 'study_type' as item, count(study_type) as n from trials
    union all
    select 'allocation' as item, count(allocation) as n from trials
    union all
    select 'intervention_model' as item, count(intervention_model) as n from trials
    union all
    select 'masking' as item, count(masking) as n from trials
    union all
    select 'who_masked' as item, count(who_masked) as n from trials
    union all
    select 'primary_purpose' as item, count(primary_purpose) as n from trials
    union all
    select 'enrollment' as item, count(enrollment) as n from trials
    union all
    select 'enrollment_type' as item, count(enrollment_type) as n from trials
    union all
    select 'start_date' as item, count(start_date) as n from trials
    union all
    select 'start_date_type' as item, count(start_date_type) as n from trials
    union all
    select 'primary_completion_date' as item, count(primary_completion_date) as n from trials
    union all
    select 'primary_completion_date_type' as item, count(primary_completion_date_type) as n from trials
    union all
    select 'completion_date' as item, count(completion_date) as n from trials
    union all
    select 'completion_date_type' as item, count(completion_date_type) as n from trials
    union all
    select 'first_posted_date' as item, count(first_posted_date) as n from trials
    union all
    select 'results_first_posted_date' as item, count(results_first_posted_date) as n from trials
    union all
    select 'last_update_date' as item, count(last_update_date) as n from trials
    union all
    select 'verified_date' as item, count(verified_date) as n from trials
    union all
    select 'lead_sponsor' as item, count(lead_sponsor) as n from trials
    union all
    select 'lead_sponsor_class' as item, count(lead_sponsor_class) as n from trials
    union all
    select 'responsible_party' as item, count(responsible_party) as n from trials
    union all
    select 'brief_summary' as item, count(brief_summary) as n from trials
    union all
    select 'detailed_description' as item, count(detailed_description) as n from trials
    union all
    select 'eligibility_criteria' as item, count(eligibility_criteria) as n from trials
    union all
    select 'sex' as item, count(sex) as n from trials
    union all
    select 'min_age_years' as item, count(min_age_years) as n from trials
    union all
    select 'max_age_years' as item, count(max_age_years) as n from trials
    union all
    select 'healthy_volunteers' as item, count(healthy_volunteers) as n from trials
    union all
    select 'has_results' as item, count(has_results) as n from trials
    union all
    select 'has_dmc' as item, count(has_dmc) as n from trials
    union all
    select 'ipd_sharing' as item, count(ipd_sharing) as n from trials
    union all
    select 'source_url' as item, count(source_url) as n from trials
    union all
    select 'is_msc' as item, count(is_msc) as n from trials
    union all
    select 'n_documents' as item, count(n_documents) as n from trials
    union all
    select 'primary_doc_id' as item, count(primary_doc_id) as n from trials
),

rejections as (
    select
        coalesce(nullif(trim(split_part(error, ':', 1)), ''), 'no reason given') as item,
        count(*) as n
    from documents
    where status = 'rejected'
    group by coalesce(nullif(trim(split_part(error, ':', 1)), ''), 'no reason given')
),

both_measures as (
    select 'field_coverage' as measure, item, n, (select count(*) from trials) as of_total
    from field_counts
    union all
    select 'rejected_documents' as measure, item, n, (select count(*) from documents) as of_total
    from rejections
),

final as (
    select
        measure,
        item,
        n,
        of_total,
        cast(n as double) / nullif(of_total, 0) as share
    from both_measures
)

select * from final
