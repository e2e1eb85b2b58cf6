-- stale_status v1: one row per trial whose status looks out of date: UNKNOWN, or its completion date
-- (primary completion when no completion date is given) is before the reference date while it still
-- says RECRUITING or NOT_YET_RECRUITING. The reference date is the newest last_update_date in the warehouse,
-- not today's date, so the answer depends on the data only.

with

reference as (
    select max(last_update_date) as reference_date from trials
),

candidates as (
    select
        t.trial_id,
        t.brief_title,
        t.is_msc,
        t.overall_status,
        t.last_known_status,
        coalesce(t.completion_date, t.primary_completion_date) as expected_end_date,
        t.last_update_date,
        r.reference_date
    from trials as t
    cross join reference as r
),

final as (
    select
        trial_id,
        brief_title,
        is_msc,
        overall_status,
        last_known_status,
        expected_end_date,
        last_update_date,
        reference_date,
        case
            when overall_status = 'UNKNOWN' then 'status unknown'
            else 'end date passed, still ' || lower(overall_status)
        end as stale_reason,
        cast(date_diff('day', expected_end_date, reference_date) as bigint) as days_past_end,
        cast(date_diff('day', last_update_date, reference_date) as bigint) as days_since_update
    from candidates
    where overall_status = 'UNKNOWN'
        or (overall_status in ('RECRUITING', 'NOT_YET_RECRUITING') and expected_end_date < reference_date)
)

select * from final
