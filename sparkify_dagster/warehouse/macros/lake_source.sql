{#
  A lake table to select from: the source (read_parquet over its files), or, when the table has
  no file at all yet (a table never written, e.g. before its first run), an empty relation with
  the source's declared columns. DuckDB fails on a glob that matches nothing, and a warehouse
  build must not fail because a table it reads is still empty.
#}
{% macro lake_source(table_name) -%}
  {%- set relation = source('lake', table_name) -%}
  {%- if execute -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.lake.' ~ table_name] -%}
    {%- set pattern = var('lake') ~ '/' ~ node.meta.lake_path ~ '/**/*.parquet' -%}
    {%- set found = run_query("select count(*) from (select 1 from glob(" ~ dbt.string_literal(pattern) ~ ") limit 1)") -%}
    {%- if found.columns[0].values()[0] == 0 -%}
      (select
      {%- for column in node.columns.values() %}
        cast(null as {{ column.data_type }}) as {{ adapter.quote(column.name) }}{{ "," if not loop.last }}
      {%- endfor %}
      where false)
    {%- else -%}
      {{ relation }}
    {%- endif -%}
  {%- else -%}
    {{ relation }}
  {%- endif -%}
{%- endmacro %}
