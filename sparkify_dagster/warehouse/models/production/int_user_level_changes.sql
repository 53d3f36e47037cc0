{{ config(**daily_incremental()) }}
{#-
  The events where a user's level may start: each user's first event of the day and every
  event of the day whose level differs from the user's previous one that day. A day's rows depend
  on that day alone, so days built in any order give the same rows, and dim_users (built from
  these few rows, not from every event) finds each level period by comparing consecutive ones.
-#}
with events as (
    select
        user_id,
        ts,
        session_id,
        item_in_session,
        level,
        first_name,
        last_name,
        gender,
        registration,
        event_date,
        lag(level) over (
            partition by user_id, event_date
            order by ts, session_id, item_in_session
        ) as previous_level
    from {{ run_days_ref('stg_log_events') }}
    where user_id is not null
)

select
    user_id,
    ts,
    session_id,
    item_in_session,
    level,
    first_name,
    last_name,
    gender,
    registration,
    event_date
from events
where previous_level is null or level is distinct from previous_level
