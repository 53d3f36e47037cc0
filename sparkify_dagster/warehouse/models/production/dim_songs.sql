{#-
  One row per song_id, with its artist's name: artists has one row per artist_id (tested), so
  the join cannot duplicate a song.
-#}
select
    songs.song_id,
    songs.title,
    songs.artist_id,
    artists.artist_name,
    songs.year,
    songs.duration
from {{ ref('stg_songs') }} as songs
left join {{ ref('dim_artists') }} as artists
    on songs.artist_id = artists.artist_id
