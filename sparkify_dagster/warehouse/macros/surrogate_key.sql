{#
  A key made of several columns: the hash of their text, nulls spelled out, through dbt's
  cross-database macros so the models port to another adapter (dbt_utils is not installable
  here: no package hub). Timestamps hash their text in the session's time zone (UTC, profiles.yml).
#}
{% macro surrogate_key(columns) -%}
  {%- set parts = [] -%}
  {%- for column in columns -%}
    {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_null_')") -%}
    {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
  {%- endfor -%}
  {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
