{#-
  Type 2: one row per user per level period, cut at the very event where the level changed
  (not per day). Built from int_user_level_changes, so its history is the same whatever order the
  days were loaded in; the last period of a user is open (the far-future expiration).
-#}
with candidates as (
    select
        *,
        lag(level) over (
            partition by user_id order by ts, session_id, item_in_session
        ) as previous_level
    from {{ ref('int_user_level_changes') }}
),

periods as (
    select
        user_id,
        level,
        first_name,
        last_name,
        gender,
        registration,
        ts as row_activation_date,
        lead(ts) over (
            partition by user_id order by ts, session_id, item_in_session
        ) as next_activation
    from candidates
    where previous_level is null or level is distinct from previous_level
)

select
    {{ surrogate_key(['user_id', 'row_activation_date']) }} as user_key,
    user_id,
    first_name,
    last_name,
    gender,
    level,
    registration,
    row_activation_date,
    coalesce(next_activation, {{ open_period_end() }}) as row_expiration_date,
    next_activation is null as current_row
from periods
