{#-
  One row per location users were seen at. Sparkify logs `City, ST` only: zip, latitude and
  longitude stay null (Streamify's events carry them; the columns are kept for that source).
-#}
select
    {{ surrogate_key(['location']) }} as location_key,
    location,
    min(city) as city,
    min(state) as state,
    cast(null as {{ dbt.type_string() }}) as zip,
    cast(null as {{ type_double() }}) as latitude,
    cast(null as {{ type_double() }}) as longitude
from {{ ref('int_user_locations') }}
group by location
