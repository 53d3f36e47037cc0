{{ config(**daily_incremental()) }}
{#-
  Plays each day by the listener's location and level, with coordinates: the location's own
  when the source logs them, else the centre of its (first) state; null when neither is known.
-#}
with plays as (
    select
        event_date,
        location_key,
        level,
        count(*) as plays,
        count(distinct user_id) as listeners
    from {{ run_days_ref('int_streams') }}
    group by event_date, location_key, level
)

select
    plays.event_date,
    plays.level,
    locations.location,
    locations.city,
    locations.state,
    coalesce(locations.latitude, states.latitude) as latitude,
    coalesce(locations.longitude, states.longitude) as longitude,
    case
        when locations.latitude is not null then 'location'
        when states.latitude is not null then 'state centre'
    end as coordinates_from,
    plays.plays,
    plays.listeners
from plays
left join {{ ref('dim_location') }} as locations on plays.location_key = locations.location_key
left join {{ ref('state_coordinates') }} as states
    on split_part(locations.state, '-', 1) = states.state
