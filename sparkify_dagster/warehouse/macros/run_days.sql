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
  {%- if execute -%}
    {%- for node in graph.nodes.values() -%}
      {%- if node.resource_type == 'model' and node.alias == relation.identifier
            and node.schema == relation.schema and node.config.event_time -%}
        {%- do return(run_days_filter(node.config.event_time)) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- do return('') -%}
{%- endmacro %}

{# A condition on a day column: the run's days, or '' when the run gives no event times. #}
{% macro run_days_filter(day_column) -%}
  {%- set start = invocation_args_dict.get('event_time_start') -%}
  {%- set end = invocation_args_dict.get('event_time_end') -%}
  {%- if not (start and end) -%}{%- do return('') -%}{%- endif -%}
  {%- do return(day_column ~ " >= cast('" ~ run_day(start) ~ "' as date) and "
                ~ day_column ~ " < cast('" ~ run_day(end, round_up=true) ~ "' as date)") -%}
{%- endmacro %}

{#
  The day of an --event-time-start/end value (a datetime or its text) as YYYY-MM-DD: its own
  day, or with round_up the next one unless it is a midnight (the end of daily batches).
#}
{% macro run_day(value, round_up=false) -%}
  {%- set moment = modules.datetime.datetime.fromisoformat((value | string).replace('Z', '+00:00')) -%}
  {%- set day = moment.date() -%}
  {%- if round_up and moment.time() != modules.datetime.time(0) -%}
    {%- set day = day + modules.datetime.timedelta(days=1) -%}
  {%- endif -%}
  {%- do return(day.isoformat()) -%}
{%- endmacro %}

{#
  `begin` of the microbatch models: the first day a build without --event-time-start may fill
  (var first_day), by default the day of the build, so that a first `dbt build` by hand never
  expands into one batch per day since some year long past.
#}
{% macro microbatch_begin() -%}
  {%- do return(var('first_day', run_started_at.strftime('%Y-%m-%d'))) -%}
{%- endmacro %}

{#
  The config of every day-grained table: rebuilt one UTC day (batch) at a time, a batch's rows
  deleted by day whatever they were before (a rerun of a day that lost rows leaves none behind).
#}
{% macro daily_microbatch() -%}
  {%- do return({
      'materialized': 'incremental',
      'incremental_strategy': 'microbatch',
      'event_time': 'event_date',
      'batch_size': 'day',
      'begin': microbatch_begin(),
  }) -%}
{%- endmacro %}
