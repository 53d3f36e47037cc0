{{ config(**daily_incremental()) }}
{#-
  Users active each day, by level: each user counted once, at the level of their last event of
  the day, so the levels add up to the day's distinct users.
-#}
with events as (
    select
        event_date,
        user_id,
        level,
        count(*) filter (where page = 'NextSong') over (
            partition by event_date, user_id
        ) as plays,
        row_number() over (
            partition by event_date, user_id
            order by ts desc, session_id desc, item_in_session desc
        ) as from_last
    from {{ run_days_ref('stg_log_events') }}
    where user_id is not null
),

user_days as (
    select event_date, user_id, level, plays
    from events
    where from_last = 1
)

select
    event_date,
    level,
    count(*) as active_users,
    count(*) filter (where plays > 0) as listening_users,
    cast(sum(plays) as {{ dbt.type_bigint() }}) as plays
from user_days
group by event_date, level
