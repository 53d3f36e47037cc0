{#
  Tests of a day-grained model (one with an event_time) check only the days the run builds, the
  days between --event-time-start and --event-time-end, when given: a daily run's checks then cost
  the same on day 30 as on day 1, and each check speaks for the partitions its run materialized.
  Without those flags (a build by hand) tests check every day. Overrides dbt's own macro (tests
  call it for the relation they check) and keeps its `where` config.
#}
{% macro get_where_subquery(relation) -%}
  {%- set conditions = [] -%}
  {%- set where = config.get('where', '') -%}
  {%- if where -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
  {%- set window = run_days_condition(relation) -%}
  {%- if window -%}{%- do conditions.append(window) -%}{%- endif -%}
  {%- if conditions -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
  {%- else -%}
    {%- do return(relation) -%}
  {%- endif -%}
{%- endmacro %}

{% macro run_days_condition(relation) -%}
  {%- set start = invocation_args_dict.get('event_time_start') -%}
  {%- set end = invocation_args_dict.get('event_time_end') -%}
  {%- if not (execute and start and end) -%}{%- do return('') -%}{%- endif -%}
  {%- for node in graph.nodes.values() -%}
    {%- if node.resource_type == 'model' and node.alias == relation.identifier
          and node.schema == relation.schema and node.config.event_time -%}
      {%- do return(node.config.event_time ~ " >= cast('" ~ run_day(start) ~ "' as date) and "
                    ~ node.config.event_time ~ " < cast('" ~ run_day(end) ~ "' as date)") -%}
    {%- endif -%}
  {%- endfor -%}
  {%- do return('') -%}
{%- endmacro %}

{# The day of an --event-time-start/end value (a datetime, or its text), as YYYY-MM-DD. #}
{% macro run_day(value) -%}
  {%- do return((value | string)[:10]) -%}
{%- endmacro %}

{#
  `begin` of the microbatch models: the first day a build without --event-time-start may fill
  (var first_day), by default the day of the build, so that a first `dbt build` by hand never
  expands into one batch per day since some year long past.
#}
{% macro microbatch_begin() -%}
  {%- do return(var('first_day', run_started_at.strftime('%Y-%m-%d'))) -%}
{%- endmacro %}
