{{ config(**daily_microbatch()) }}
{#- The share of each day's plays matched to a catalogue song. -#}
select
    event_date,
    count(*) as plays,
    count(song_id) as matched_plays,
    count(song_id) * 1.0 / count(*) as matched_share
from {{ ref('fact_streams') }}
group by event_date
