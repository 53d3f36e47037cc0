{{ config(**daily_incremental()) }}
{#- Log lines the platform could not use, each day, by reason. -#}
select
    log_date as event_date,
    reason,
    count(*) as lines,
    count(distinct source_file) as files
from {{ run_days_ref('stg_quarantined_log_lines') }}
group by log_date, reason
