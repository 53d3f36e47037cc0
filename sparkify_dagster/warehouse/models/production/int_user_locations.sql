{{ config(**daily_microbatch()) }}
{#- The distinct user locations of each day: dim_location is built from these few rows. -#}
select distinct
    location,
    city,
    state,
    event_date
from {{ ref('stg_log_events') }}
where location is not null
