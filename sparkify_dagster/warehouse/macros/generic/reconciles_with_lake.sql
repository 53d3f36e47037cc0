{#
  Reconciliation with the platform: per day, the model's total of `column` (its rows, without
  one) equals the rows of the lake table `table` that day. Fails with the days that disagree.
#}
{% test reconciles_with_lake(model, table, column=none, day_column='event_date') %}
{%- set lake_days = run_days_filter('"date"') %}
with warehouse as (
    select {{ day_column }} as day, {{ 'sum(' ~ column ~ ')' if column else 'count(*)' }} as total
    from {{ model }}
    group by {{ day_column }}
),

lake as (
    select "date" as day, count(*) as total
    from {{ lake_source(table) }} as lake_table
    {% if lake_days %}where {{ lake_days }}{% endif %}
    group by "date"
)

select
    coalesce(warehouse.day, lake.day) as day,
    coalesce(warehouse.total, 0) as warehouse_total,
    coalesce(lake.total, 0) as lake_total
from warehouse
full outer join lake on warehouse.day = lake.day
where coalesce(warehouse.total, 0) <> coalesce(lake.total, 0)
{% endtest %}
