{{ config(**daily_incremental()) }}
{#- The share of each day's plays matched to a catalogue song. -#}
select
    event_date,
    count(*) as plays,
    count(song_id) as matched_plays,
    count(song_id) * 1.0 / count(*) as matched_share
from {{ run_days_ref('fact_streams') }}
group by event_date
