{{ config(**daily_incremental()) }}
{#-
  Plays of each song each day, ranked. Songs as the app logged them (title and artist name):
  most plays match no catalogue song, and a ranking of matched plays only would hide them.
-#}
select
    event_date,
    song as song_title,
    artist as artist_name,
    count(*) as plays,
    count(distinct user_id) as listeners,
    rank() over (partition by event_date order by count(*) desc) as play_rank
from {{ run_days_ref('stg_listen_events') }}
group by event_date, song, artist
