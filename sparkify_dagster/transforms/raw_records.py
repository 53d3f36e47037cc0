"""Raw JSON text → typed structs, once per record, and the reason a record can't be used."""

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T

from sparkify_dagster.schemas import CORRUPT_RECORD, as_all_strings, with_corrupt_record

_JSON_OPTIONS = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT_RECORD}


def parse_json_once(text: str, schema: T.StructType, alias: str) -> Column:
    """A generator column: the typed struct `alias` of column `text` (with its _corrupt_record).

    A generator is a barrier to predicate pushdown: without it, filters on values derived from
    the struct get the from_json inlined once per field they touch (8x slower on 1M lines).
    """
    typed = F.from_json(text, with_corrupt_record(schema), _JSON_OPTIONS)
    return F.inline(F.array(F.struct(typed.alias(alias))))


def parse_failure(text: str, parsed: str, schema: T.StructType) -> Column:
    """Why the typed parse of `text` failed: "malformed JSON" or "wrong type for <fields>".

    Null when it did not fail; the lenient re-parse runs only for the records that did.
    """
    loose = F.from_json(text, as_all_strings(schema))
    wrong_type_fields = F.concat_ws(
        ", ",
        *[
            F.when(F.col(parsed)[f.name].isNull() & loose[f.name].isNotNull(), F.lit(f.name))
            for f in schema.fields
        ],
    )
    return F.when(
        F.col(parsed)[CORRUPT_RECORD].isNotNull(),
        F.when(wrong_type_fields == "", F.lit("malformed JSON")).otherwise(
            F.concat(F.lit("wrong type for "), wrong_type_fields)
        ),
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
