{{ config(**daily_incremental()) }}
{#-
  The platform's songplays of each day with the keys that depend on the play alone (hour,
  location), stored day by day in the warehouse: fact_streams adds the user key when read. Stored,
  so the published warehouse holds its plays itself rather than reading the lake's live files.
-#}
select
    songplay_id,
    start_time,
    event_date,
    {{ dbt.date_trunc('hour', 'start_time') }} as datetime_key,
    user_id,
    level,
    song_id,
    artist_id,
    {{ surrogate_key(['location']) }} as location_key,
    session_id,
    user_agent
from {{ run_days_ref('stg_songplays') }}
