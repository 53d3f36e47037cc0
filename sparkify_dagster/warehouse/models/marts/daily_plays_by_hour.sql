{{ config(**daily_incremental()) }}
{#-
  Plays in each hour of each day, every hour present (zero when none), with its weekday: sum
  over days for plays by hour and weekday.
-#}
with plays as (
    select
        datetime_key,
        count(*) as plays,
        count(*) filter (where level = 'paid') as paid_plays,
        count(*) filter (where level = 'free') as free_plays,
        count(distinct user_id) as listeners
    from {{ run_days_ref('fact_streams') }}
    group by datetime_key
)

select
    hours.event_date,
    hours.datetime_key,
    hours.hour,
    hours.day_of_week,
    hours.day_name,
    hours.is_weekend,
    coalesce(plays.plays, 0) as plays,
    coalesce(plays.paid_plays, 0) as paid_plays,
    coalesce(plays.free_plays, 0) as free_plays,
    coalesce(plays.listeners, 0) as listeners
from {{ run_days_ref('dim_datetime') }} as hours
left join plays on hours.datetime_key = plays.datetime_key
