"""Raw JSON text → typed structs, once per record, and the reason a record can't be used."""

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T

from sparkify_dagster.schemas import CORRUPT_RECORD, as_all_strings, with_corrupt_record

# The longest string Spark's JSON parser (Jackson) reads: Spark 4.3's default, stated here so
# the reason below names the limit the parser applies. A longer value fails the whole record.
JSON_MAX_STRING_CHARS = 20_000_000
_JSON_OPTIONS = {
    "mode": "PERMISSIVE",
    "columnNameOfCorruptRecord": CORRUPT_RECORD,
    "maxStringLen": str(JSON_MAX_STRING_CHARS),
}


def too_long_reason(what: str) -> str:
    return f"{what} longer than the JSON parser's limit of {JSON_MAX_STRING_CHARS:,} characters"


def parse_json_once(text: str, schema: T.StructType, alias: str) -> Column:
    """A generator column: the typed struct `alias` of column `text` (with its _corrupt_record).

    A generator is a barrier to predicate pushdown: without it, filters on values derived from
    the struct get the from_json inlined once per field they touch (8x slower on 1M lines).
    """
    typed = F.from_json(text, with_corrupt_record(schema), _JSON_OPTIONS)
    return F.inline(F.array(F.struct(typed.alias(alias))))


def parse_failure(text: str, parsed: str, schema: T.StructType) -> Column:
    """Why the typed parse of `text` failed: "<text> longer than the JSON parser's limit …",
    "malformed JSON" or "wrong type for <fields>".

    Null when it did not fail; the lenient re-parse runs only for the records that did. Text
    over the limit fails both parses (each field then looks wrongly typed): it is named first.
    """
    loose = F.from_json(text, as_all_strings(schema), _JSON_OPTIONS)
    wrong_type_fields = F.concat_ws(
        ", ",
        *[
            F.when(F.col(parsed)[f.name].isNull() & loose[f.name].isNotNull(), F.lit(f.name))
            for f in schema.fields
        ],
    )
    return F.when(
        F.col(parsed)[CORRUPT_RECORD].isNotNull(),
        F.when(F.length(text) > JSON_MAX_STRING_CHARS, F.lit(too_long_reason(text)))
        .when(wrong_type_fields == "", F.lit("malformed JSON"))
        .otherwise(F.concat(F.lit("wrong type for "), wrong_type_fields)),
    )


def first_reason(*rules: tuple[Column, Column | str]) -> Column:
    """The reason of the first rule whose condition holds (null if none): later rules are not
    evaluated once one holds, so they may assume the earlier ones passed."""
    return F.coalesce(
        *[
            F.when(condition, reason if isinstance(reason, Column) else F.lit(reason))
            for condition, reason in rules
        ]
    )
