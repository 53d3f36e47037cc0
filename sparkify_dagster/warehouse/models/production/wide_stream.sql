{{ config(materialized='view', event_time='event_date') }}
{#-
  fact_streams joined to every dimension, for dashboards: one row per play (each join is on its
  dimension's unique key, so none can duplicate a play).
-#}
select
    streams.songplay_id,
    streams.start_time,
    streams.event_date,
    streams.session_id,
    streams.user_agent,
    streams.user_key,
    streams.user_id,
    users.first_name,
    users.last_name,
    users.gender,
    streams.level,
    users.registration,
    streams.song_id,
    songs.title as song_title,
    songs.year as song_year,
    songs.duration as song_duration,
    streams.artist_id,
    artists.artist_name,
    artists.location as artist_location,
    artists.latitude as artist_latitude,
    artists.longitude as artist_longitude,
    streams.location_key,
    locations.location,
    locations.city,
    locations.state,
    locations.zip,
    locations.latitude,
    locations.longitude,
    streams.datetime_key,
    datetimes.year,
    datetimes.quarter,
    datetimes.month,
    datetimes.day,
    datetimes.hour,
    datetimes.iso_week,
    datetimes.day_of_week,
    datetimes.day_name,
    datetimes.is_weekend
from {{ ref('fact_streams') }} as streams
left join {{ ref('dim_users') }} as users on streams.user_key = users.user_key
left join {{ ref('dim_songs') }} as songs on streams.song_id = songs.song_id
left join {{ ref('dim_artists') }} as artists on streams.artist_id = artists.artist_id
left join {{ ref('dim_location') }} as locations on streams.location_key = locations.location_key
left join {{ ref('dim_datetime') }} as datetimes on streams.datetime_key = datetimes.datetime_key
