{#
  What the models need that SQL dialects spell differently, in one place: each macro dispatches,
  so another adapter (dbt-athena, dbt-spark) adds its own <adapter>__ version here and the models
  stay as they are. Only the DuckDB spelling (default__) is exercised here.
#}

{# ISO weekday of a timestamp: Monday 1 ... Sunday 7. #}
{% macro iso_weekday(expression) -%}
  {{ return(adapter.dispatch('iso_weekday')(expression)) }}
{%- endmacro %}

{% macro default__iso_weekday(expression) -%}
  extract(isodow from {{ expression }})
{%- endmacro %}

{# The type of an instant (a timestamp in UTC). #}
{% macro type_instant() -%}
  {{ return(adapter.dispatch('type_instant')()) }}
{%- endmacro %}

{% macro default__type_instant() -%}
  timestamp with time zone
{%- endmacro %}

{# The median of a column (an aggregate). #}
{% macro median(expression) -%}
  {{ return(adapter.dispatch('median')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
  percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{# An 8-byte floating point number (dbt's type_float is 4 bytes in DuckDB). #}
{% macro type_double() -%}
  {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
  double
{%- endmacro %}
