{# The expiration of a period still in force: far enough in the future for any play. #}
{% macro open_period_end() -%}
  cast('9999-12-31 00:00:00+00' as {{ type_instant() }})
{%- endmacro %}
