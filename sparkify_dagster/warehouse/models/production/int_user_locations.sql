{{ config(**daily_incremental()) }}
{#- The distinct user locations of each day: dim_location is built from these few rows. -#}
select distinct
    location,
    city,
    state,
    event_date
from {{ run_days_ref('stg_log_events') }}
where location is not null
