{{ config(**daily_incremental()) }}
{#-
  One row per user per day they were active: their level at the day's last event, their
  registration week and plays. The few rows the weekly cohorts are counted from, built day by day.
-#}
with events as (
    select
        event_date,
        user_id,
        level,
        registration,
        count(*) filter (where page = 'NextSong') over (
            partition by event_date, user_id
        ) as plays,
        row_number() over (
            partition by event_date, user_id
            order by ts desc, session_id desc, item_in_session desc
        ) as from_last
    from {{ run_days_ref('stg_log_events') }}
    where user_id is not null
)

select
    event_date,
    user_id,
    level,
    cast({{ dbt.date_trunc('week', 'registration') }} as date) as registration_week,
    plays
from events
where from_last = 1
