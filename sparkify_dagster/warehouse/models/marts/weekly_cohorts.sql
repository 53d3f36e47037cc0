{#-
  Retention by registration week: of the users who registered in a week (and were seen in the
  loaded days), how many were active in each week since. Whole history, rebuilt on every run from
  int_user_days (one row per user and day), so days loaded in any order give the same cohorts.
-#}
with user_weeks as (
    select distinct
        registration_week,
        cast({{ dbt.date_trunc('week', 'event_date') }} as date) as activity_week,
        user_id
    from {{ ref('int_user_days') }}
    where registration_week is not null
),

cohorts as (
    select registration_week, count(distinct user_id) as cohort_users
    from user_weeks
    group by registration_week
)

select
    user_weeks.registration_week,
    user_weeks.activity_week,
    cast({{ dbt.datediff('user_weeks.registration_week', 'user_weeks.activity_week', 'day') }} / 7
        as integer) as weeks_since_registration,
    count(*) as active_users,
    cohorts.cohort_users
from user_weeks
inner join cohorts on user_weeks.registration_week = cohorts.registration_week
group by user_weeks.registration_week, user_weeks.activity_week, cohorts.cohort_users
