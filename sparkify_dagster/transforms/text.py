"""Column expressions that repair text the way the app's logs damage it."""

from pyspark.sql import Column
from pyspark.sql import functions as F

# Every char is in U+0000..U+00FF and, read as Latin-1 bytes, the whole string is valid UTF-8.
# Only such strings can be mojibake of UTF-8, and only for them is re-decoding lossless.
_LATIN1_BYTES_FORM_UTF8 = (
    r"^(?:[\x{00}-\x{7F}]|[\x{C2}-\x{DF}][\x{80}-\x{BF}]"
    r"|[\x{E0}-\x{EF}][\x{80}-\x{BF}]{2}|[\x{F0}-\x{F4}][\x{80}-\x{BF}]{3})*$"
)


def _undo_one_utf8_as_latin1(col: Column) -> Column:
    has_non_ascii = F.length(col) != F.octet_length(col)
    redecoded = F.decode(F.encode(col, "ISO-8859-1"), "UTF-8")
    return F.when(has_non_ascii & col.rlike(_LATIN1_BYTES_FORM_UTF8), redecoded).otherwise(col)


def repair_double_encoded_utf8(col: Column) -> Column:
    """Undo UTF-8 text that was decoded as Latin-1 and re-encoded, up to twice.

    The Sparkify logs carry "Beyoncé" as "BeyoncÃ\\x83Â©" (encoded twice). Correct text is left
    alone: a lone "é" is not valid UTF-8 as a byte, and text beyond U+00FF is never touched.
    """
    return _undo_one_utf8_as_latin1(_undo_one_utf8_as_latin1(col))


def blank_to_null(col: Column) -> Column:
    """'' and whitespace-only strings mean "no value" in the raw data."""
    return F.when(F.trim(col) == "", F.lit(None)).otherwise(col)
