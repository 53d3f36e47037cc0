{{ config(meta={'dagster': {'ref': {'name': 'fact_streams'}}}) }}
-- The user key of a play is the period in force at the play: its level is the play's level.
-- Returns the plays whose period says otherwise.
{%- set run_days = run_days_filter('streams.event_date') %}
select streams.songplay_id, streams.level, users.level as period_level
from {{ ref('fact_streams') }} as streams
join {{ ref('dim_users') }} as users on streams.user_key = users.user_key
where streams.level <> users.level
{%- if run_days %}
    and {{ run_days }}
{%- endif %}
