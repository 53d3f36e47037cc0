{{ config(**daily_incremental()) }}
{#-
  New users each day: users active that day who registered that day (their `registration`), and
  the registrations submitted. Both come from the day's own events, so they do not depend on
  which other days are loaded.
-#}
with day_events as (
    select * from {{ run_days_ref('stg_log_events') }}
)

select
    event_date,
    count(distinct user_id) filter (
        where cast(registration as date) = event_date
    ) as new_users,
    count(*) filter (where page = 'Submit Registration') as registrations_submitted
from day_events
group by event_date
