{{ config(**daily_incremental()) }}
{#- Plays of each artist each day, ranked; artists as the app logged them (see daily_top_songs). -#}
select
    event_date,
    artist as artist_name,
    count(*) as plays,
    count(distinct song) as songs,
    count(distinct user_id) as listeners,
    rank() over (partition by event_date order by count(*) desc) as play_rank
from {{ run_days_ref('stg_listen_events') }}
group by event_date, artist
