{{ config(materialized='view', event_time='event_date') }}
{#-
  One row per songplay (the platform's star table, so its song matching is reused), with a key
  to each dimension. The user key is the level period in force at play time; a day loaded later
  (a backfill in any order) can move where a period starts, so a stored key could go stale: this
  view looks it up when read, from the plays and the periods built in the same run.
-#}
select
    streams.songplay_id,
    streams.start_time,
    streams.event_date,
    streams.datetime_key,
    users.user_key,
    streams.user_id,
    streams.level,
    streams.song_id,
    streams.artist_id,
    streams.location_key,
    streams.session_id,
    streams.user_agent
from {{ ref('int_streams') }} as streams
left join {{ ref('dim_users') }} as users
    on streams.user_id = users.user_id
    and streams.start_time >= users.row_activation_date
    and streams.start_time < users.row_expiration_date
