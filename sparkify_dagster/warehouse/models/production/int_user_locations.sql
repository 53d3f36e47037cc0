{{ config(
    materialized='incremental',
    incremental_strategy='microbatch',
    event_time='event_date',
    batch_size='day',
    begin=microbatch_begin(),
) }}
{#- The distinct user locations of each day: dim_location is built from these few rows. -#}
select distinct
    location,
    city,
    state,
    event_date
from {{ ref('stg_log_events') }}
where location is not null
