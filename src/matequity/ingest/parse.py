"""Portable Ibis expressions that parse raw text values into typed values.

Every input column is read as text, cleaned once with :func:`clean` (trimmed,
blank tokens to NULL), and then parsed by the functions here, which expect
cleaned text. One bad cell costs one quarantined row, not the whole file.
The expressions avoid engine-specific features (no regex back-references, no
format-string date parsing) so that they compile identically for DuckDB and Spark.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from matequity.model.schema import SEX_NOT_KNOWN

#: text that means "no value" in an extract (compared case-insensitively)
BLANK_TOKENS: tuple[str, ...] = ("", "na", "n/a", "null", "none", "nan")

_INT_RE = r"^[+-]?[0-9]{1,9}$"
_ISO_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_ISO_TS_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]00:00:00(\.0+)?$"
_UK_RE = r"^[0-9]{2}/[0-9]{2}/[0-9]{4}$"

TRUE_TOKENS: tuple[str, ...] = ("true", "t", "1", "y", "yes")
FALSE_TOKENS: tuple[str, ...] = ("false", "f", "0", "n", "no")


def one_of(s: ir.Value, values: tuple) -> ir.BooleanValue:
    """``s`` equals one of ``values`` (a short list), as a chain of equalities.

    Not ``isin``: DuckDB plans a literal IN list as a join per column, and a
    regular expression per row costs more than a few comparisons; equalities
    compile to the same plain comparisons on every engine.
    """
    out = s == values[0]
    for v in values[1:]:
        out = out | (s == v)
    return out


_SPACE = (" ", "\t", "\r", "\n")
_LONGEST_BLANK = max(len(t) for t in BLANK_TOKENS)


def clean(s: ir.Value) -> ir.Value:
    """Trimmed text, or NULL when blank (see :data:`BLANK_TOKENS`); a typed
    (non-text) column as it is.

    Cheap on the usual value (no surrounding space, not a blank token): two
    one-character comparisons and a length test per cell; the trimming and the
    case-insensitive token match run only where they could matter."""
    if not s.type().is_string():
        return s
    # not .strip(): Ibis compiles it for Spark with a '\f' that Spark reads as 'f'
    padded = ibis.literal(False)
    for ch in _SPACE:  # prefix and suffix tests: byte comparisons, no new strings
        padded = padded | s.startswith(ch) | s.endswith(ch)
    t = ibis.cases((padded, s.re_replace(r"^[ \t\r\n]+|[ \t\r\n]+$", "")), else_=s)
    short = t.length() <= _LONGEST_BLANK
    blank = short & one_of(t.lower(), BLANK_TOKENS)
    return ibis.cases((blank, ibis.null("string")), else_=t)


def parse_int(s: ir.Value) -> ir.IntegerValue:
    """An integer written with digits only (at most 9), else NULL. A column that
    is already integer (a typed Parquet file) is taken as it is.

    The guard matters: DuckDB's TRY_CAST rounds '12.5' to 13, Spark gives NULL.
    """
    if s.type().is_integer():
        return s.cast("int64")
    t = s
    return ibis.cases((t.re_search(_INT_RE), t.try_cast("int64")), else_=ibis.null("int64"))


def parse_date(s: ir.Value) -> ir.DateValue:
    """ISO 8601 (YYYY-MM-DD, optionally with a midnight time) or UK DD/MM/YYYY.
    A column that is already a date is taken as it is.

    Impossible dates (2024-02-30) give NULL.
    """
    if s.type().is_date():
        return s
    t = s
    iso = t.substr(0, 10)
    uk = t.substr(6, 4) + "-" + t.substr(3, 2) + "-" + t.substr(0, 2)
    return ibis.cases(
        (t.re_search(_ISO_RE), iso.try_cast("date")),
        (t.re_search(_ISO_TS_RE), iso.try_cast("date")),
        (t.re_search(_UK_RE), uk.try_cast("date")),
        else_=ibis.null("date"),
    )


def parse_bool(s: ir.Value) -> ir.BooleanValue:
    """true/t/1/y/yes or false/f/0/n/no (any case); a boolean column as it is."""
    if s.type().is_boolean():
        return s
    t = s.lower()
    return ibis.cases(
        (one_of(t, TRUE_TOKENS), ibis.literal(True)),
        (one_of(t, FALSE_TOKENS), ibis.literal(False)),
        else_=ibis.null("boolean"),
    )


def parse_outcome(s: ir.StringValue) -> ir.StringValue:
    """'live' or 'still'. MSDS PregOutcome 01 = live birth; 02, 03, 04 = stillbirth.
    The usual spellings are matched first, before any case folding."""
    t = s.lower()
    return ibis.cases(
        (s == "live", ibis.literal("live")),
        (s == "still", ibis.literal("still")),
        (one_of(t, ("live", "01", "1", "live birth")), ibis.literal("live")),
        (
            one_of(t, ("still", "02", "03", "04", "2", "3", "4", "stillbirth")),
            ibis.literal("still"),
        ),
        else_=ibis.null("string"),
    )


def parse_sex(s: ir.StringValue) -> ir.StringValue:
    """MSDS PersonPhenSex: 1 male, 2 female, 9 indeterminate, X not known. The
    usual codes are matched first, before any case folding."""
    t = s.upper()
    return ibis.cases(
        (s == "M", ibis.literal("male")),
        (s == "F", ibis.literal("female")),
        (one_of(t, ("1", "M", "MALE")), ibis.literal("male")),
        (one_of(t, ("2", "F", "FEMALE")), ibis.literal("female")),
        (one_of(t, ("9", "I", "INDETERMINATE")), ibis.literal("indeterminate")),
        (one_of(t, ("X", "0", "U", "UNKNOWN")), ibis.literal(SEX_NOT_KNOWN)),
        else_=ibis.null("string"),
    )


def sex_is_valid(s: ir.StringValue) -> ir.BooleanValue:
    return s.isnull() | parse_sex(s).notnull()


def parse_ethnic_code(s: ir.StringValue) -> ir.StringValue:
    """The national code: '99', or the first character upper-cased (a local
    second character such as 'A1' groups back to 'A'). Blank -> NULL."""
    t = s
    plain = one_of(t, tuple("ABCDEFGHJKLMNPRSZ"))  # the usual value: a national code
    return ibis.cases((plain, t), (t == "99", ibis.literal("99")), else_=t.substr(0, 1).upper())
