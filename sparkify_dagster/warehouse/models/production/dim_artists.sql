{#- One row per artist_id: the platform's artists table already keeps one record per id. -#}
select
    artist_id,
    artist_name,
    location,
    latitude,
    longitude
from {{ ref('stg_artists') }}
