{{ config(materialized='view', event_time='event_date') }}
{#-
  One row per songplay (the platform's star table, so its song matching is reused), with a key
  to each dimension. A view, not an incremental table: the user key is the level period in force
  at play time, and a day loaded later (a backfill in any order) can move where a period starts,
  so a stored key could go stale; looked up when read, it is always the current history's.
  Reads filtered on event_date (the marts' batches, the run's tests) read only those days' files.
-#}
select
    plays.songplay_id,
    plays.start_time,
    plays.event_date,
    {{ dbt.date_trunc('hour', 'plays.start_time') }} as datetime_key,
    users.user_key,
    plays.user_id,
    plays.level,
    plays.song_id,
    plays.artist_id,
    {{ surrogate_key(['plays.location']) }} as location_key,
    plays.session_id,
    plays.user_agent
from {{ ref('stg_songplays') }} as plays
left join {{ ref('dim_users') }} as users
    on plays.user_id = users.user_id
    and plays.start_time >= users.row_activation_date
    and plays.start_time < users.row_expiration_date
