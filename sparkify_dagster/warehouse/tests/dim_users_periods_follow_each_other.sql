-- Type 2 without gaps or overlaps: each user's periods follow each other (one ends where the
-- next begins, the last is open), each begins before it ends, and consecutive periods differ in
-- level. Returns the periods that break this.
with periods as (
    select
        *,
        lead(row_activation_date) over by_user as next_activation,
        lead(level) over by_user as next_level
    from {{ ref('dim_users') }}
    window by_user as (partition by user_id order by row_activation_date)
)

select user_id, level, row_activation_date, row_expiration_date, next_activation, next_level
from periods
where row_activation_date > row_expiration_date
    or (next_activation is not null and next_activation <> row_expiration_date)
    or (next_activation is null and row_expiration_date <> {{ open_period_end() }})
    or level = next_level
    or current_row <> (next_activation is null)
