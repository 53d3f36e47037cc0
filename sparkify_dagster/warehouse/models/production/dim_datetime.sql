{{ config(**daily_incremental()) }}
{#-
  Hour grain, the 24 hours of every day a run builds, whatever it holds: open-ended, so no play
  falls outside it. ISO weekdays (Monday 1 ... Sunday 7); the weekend is Saturday and Sunday.
-#}
{%- set first_day, end_day = run_window() -%}
with hours as (
    select cast(date_hour as {{ type_instant() }}) as hour_start
    from (
        {{ dbt.date_spine(
            'hour',
            "cast('" ~ first_day ~ " 00:00:00+00' as " ~ type_instant() ~ ")",
            "cast('" ~ end_day ~ " 00:00:00+00' as " ~ type_instant() ~ ")",
        ) }}
    ) as spine
    where date_hour < cast('{{ end_day }} 00:00:00+00' as {{ type_instant() }})
)

select
    hour_start as datetime_key,
    cast(hour_start as date) as event_date,
    extract(year from hour_start) as year,
    extract(quarter from hour_start) as quarter,
    extract(month from hour_start) as month,
    extract(day from hour_start) as day,
    extract(hour from hour_start) as hour,
    extract(week from hour_start) as iso_week,
    day_of_week,
    case day_of_week
        when 1 then 'Monday'
        when 2 then 'Tuesday'
        when 3 then 'Wednesday'
        when 4 then 'Thursday'
        when 5 then 'Friday'
        when 6 then 'Saturday'
        when 7 then 'Sunday'
    end as day_name,
    day_of_week in (6, 7) as is_weekend
from (select hour_start, {{ iso_weekday('hour_start') }} as day_of_week from hours) as hours
