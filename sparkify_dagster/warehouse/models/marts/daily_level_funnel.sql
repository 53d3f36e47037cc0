{{ config(**daily_incremental()) }}
{#-
  The subscription funnel each day: how many users saw the upgrade, downgrade and cancel pages
  and how many went through (Submit Upgrade, Submit Downgrade, Cancellation Confirmation).
-#}
select
    event_date,
    count(distinct user_id) filter (where page = 'Upgrade') as upgrade_page_users,
    count(distinct user_id) filter (where page = 'Submit Upgrade') as upgraded_users,
    count(*) filter (where page = 'Submit Upgrade') as upgrades,
    count(distinct user_id) filter (where page = 'Downgrade') as downgrade_page_users,
    count(distinct user_id) filter (where page = 'Submit Downgrade') as downgraded_users,
    count(*) filter (where page = 'Submit Downgrade') as downgrades,
    count(distinct user_id) filter (where page = 'Cancel') as cancel_page_users,
    count(distinct user_id) filter (
        where page = 'Cancellation Confirmation'
    ) as cancelled_users,
    count(*) filter (where page = 'Cancellation Confirmation') as cancellations
from {{ run_days_ref('stg_page_view_events') }}
group by event_date
