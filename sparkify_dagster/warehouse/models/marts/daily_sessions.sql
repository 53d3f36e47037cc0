{{ config(**daily_incremental()) }}
{#-
  Session lengths each day: a session is a session_id's events of the day (one crossing midnight
  counts on each of its days), its length from its first to its last event.
-#}
with sessions as (
    select
        event_date,
        session_id,
        count(*) as events,
        count(*) filter (where page = 'NextSong') as plays,
        {{ dbt.datediff('min(ts)', 'max(ts)', 'second') }} as length_seconds
    from {{ run_days_ref('stg_log_events') }}
    group by event_date, session_id
)

select
    event_date,
    count(*) as sessions,
    cast(sum(events) as {{ dbt.type_bigint() }}) as events,
    cast(sum(plays) as {{ dbt.type_bigint() }}) as plays,
    avg(length_seconds) / 60.0 as average_minutes,
    {{ median('length_seconds') }} / 60.0 as median_minutes,
    max(length_seconds) / 60.0 as longest_minutes,
    avg(plays) as average_plays
from sessions
group by event_date
