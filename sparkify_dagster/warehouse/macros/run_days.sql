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
  {%- set day_column = event_time_of(relation) -%}
  {%- do return(run_days_filter(day_column) if day_column else '') -%}
{%- endmacro %}

{# The event_time (day column) of the model behind a relation, or none (also while parsing). #}
{% macro event_time_of(relation) -%}
  {%- if execute -%}
    {%- for node in graph.nodes.values() -%}
      {%- if node.resource_type == 'model' and node.alias == relation.identifier
            and node.schema == relation.schema and node.config.event_time -%}
        {%- do return(node.config.event_time) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- do return(none) -%}
{%- endmacro %}

{# Whether the build was given its days (--event-time-start and --event-time-end). #}
{% macro run_days_given() -%}
  {%- do return(invocation_args_dict.get('event_time_start') and invocation_args_dict.get('event_time_end')) -%}
{%- endmacro %}

{# A condition on a day column: the run's days, or '' when the run gives no event times. #}
{% macro run_days_filter(day_column) -%}
  {%- do return(run_window_filter(day_column) if run_days_given() else '') -%}
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
  The run's days as [first, end) YYYY-MM-DD strings: --event-time-start's day to --event-time-end
  (rounded up to a day). A build without them (by hand) fills var first_day (default: the build's
  day) to the build's day, so it never expands into every day since some year long past.
#}
{% macro run_window() -%}
  {%- if run_days_given() -%}
    {%- do return((run_day(invocation_args_dict['event_time_start']),
                   run_day(invocation_args_dict['event_time_end'], round_up=true))) -%}
  {%- endif -%}
  {%- set today = run_started_at.strftime('%Y-%m-%d') -%}
  {%- set tomorrow = (run_started_at + modules.datetime.timedelta(days=1)).strftime('%Y-%m-%d') -%}
  {%- do return((var('first_day', today), tomorrow)) -%}
{%- endmacro %}

{# The run's days as a condition on a day column. #}
{% macro run_window_filter(day_column) -%}
  {%- set first, end = run_window() -%}
  {%- do return(day_column ~ " >= cast('" ~ first ~ "' as date) and "
                ~ day_column ~ " < cast('" ~ end ~ "' as date)") -%}
{%- endmacro %}

{#
  The config of every day-grained table: its rows are a function of each day's rows alone (every
  window and group is per event_date), so a run rebuilds all its days in one statement and
  deletes the window's rows first, whatever they were (a rerun of a day that lost rows leaves
  none behind). Why not dbt's microbatch: it runs one batch per day, about 2 s of dbt's own work
  per day for these 15 models, most of a month's backfill; its batch size cannot be the run.
#}
{% macro daily_incremental() -%}
  {%- do return({
      'materialized': 'incremental',
      'incremental_strategy': 'run_days',
      'event_time': 'event_date',
  }) -%}
{%- endmacro %}

{#
  ref() of a day-grained model or source view, read over the run's days only (those with an
  event_time; others whole), as dbt's microbatch filters the refs of a batch.
#}
{% macro run_days_ref(name) -%}
  {%- set relation = ref(name) -%}
  {%- set day_column = event_time_of(relation) -%}
  {%- if day_column -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ run_window_filter(day_column) ~ ')') -%}
  {%- endif -%}
  {%- do return(relation) -%}
{%- endmacro %}

{#
  The run_days strategy: the window's rows deleted, then the new ones inserted (what dbt-duckdb's
  microbatch does per batch), in the transaction dbt-duckdb's incremental materialization opens
  for its main statement, so a crash between the two leaves the old rows. A failed build
  publishes nothing either way: readers use the read copy.
#}
{% macro get_incremental_run_days_sql(arg_dict) -%}
  {%- set target = arg_dict['target_relation'] -%}
  {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
  {%- set window = run_window_filter(config.get('event_time')) -%}
  delete from {{ target }} where {{ window }};
  insert into {{ target }} ({{ columns }})
  select {{ columns }} from {{ arg_dict['temp_relation'] }} where {{ window }};
{%- endmacro %}
