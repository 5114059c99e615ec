"""CSV lines made by the database itself: the fast path of ``output.write_csv`` for a county's tables.

Through csv.writer Python pays eleven values and a call per row; here the database joins each row into one
line, with the very text ``io.csv_cell`` gives: the formula guard, a cell quoted when it holds a comma, a
quote or a line break, phone and ID numbers masked as ``validate.mask`` does. The SQL of each of these is
generated from the constants that define them in Python (``io.FORMULA_TRIGGERS``, ``io.CSV_QUOTED_IF``,
``validate.MASK_KEEP_FIRST``...), never written out here, in the spelling of each backend (``SQLITE``,
``POSTGRESQL``: the few functions the two name differently); tests compare both paths cell by cell.
``lbc export`` (``csv_lines``) and ``lbc child list --format csv`` (``roster_lines``) use it.
"""

import re
from collections.abc import Iterator
from contextlib import closing
from datetime import date

from lbc_cli import io, validate


def _runs(text: str) -> list[str]:
    """A text cut into its printable runs and its single control characters."""
    return re.findall(r"[^\x00-\x1f\x7f]+|[\x00-\x1f\x7f]", text)


class Spelling:
    """How a backend spells the few things the cells need that SQL does not name alike. The cells' logic is
    written once, below, over these."""

    control = ""  # the function of a character's code: char(9), chr(9)

    def literal(self, text: str) -> str:
        """A text as an SQL expression: its printable runs quoted, its control characters by their code."""
        return (
            " || ".join(
                "'" + run.replace("'", "''") + "'" if run.isprintable() else f"{self.control}({ord(run)})"
                for run in _runs(text)
            )
            or "''"
        )

    def last(self, c: str, n: int) -> str:
        """The last ``n`` characters of the text ``c``."""
        raise NotImplementedError

    def repeated(self, mark: str, n: str) -> str:
        """The character ``mark`` ``n`` times (``n`` an SQL expression, at least 1)."""
        raise NotImplementedError

    def holds_any(self, c: str, chars: str) -> str:
        """Whether the text ``c`` holds one of ``chars``."""
        raise NotImplementedError

    def as_text(self, c: str, kind: str) -> str:
        """A column of ``kind`` (see ``kinds``) as the text Python writes for it (``io.csv_text``)."""
        raise NotImplementedError

    def year_text(self, c: str) -> str:
        """A date column's year as its four digits ("2016")."""
        raise NotImplementedError

    def year_and_day(self, c: str) -> tuple[str, str]:
        """A date column's year (an integer) and its month and day as text 'MM-DD', compared byte by byte."""
        raise NotImplementedError

    def line(self, cells: list[str], *, before: str = "", after: str = "") -> str:
        """One text of ``cells`` joined by commas (a NULL cell empty), ``before`` and ``after`` around."""
        raise NotImplementedError


class _SQLite(Spelling):
    control = "char"

    def last(self, c: str, n: int) -> str:
        return f"substr({c}, -{n})"

    def repeated(self, mark: str, n: str) -> str:
        return f"printf('%.*c', {n}, {self.literal(mark)})"

    def holds_any(self, c: str, chars: str) -> str:
        return f"{c} GLOB {self.literal('*[' + ''.join(sorted(chars, reverse=True)) + ']*')}"

    def as_text(self, c: str, kind: str) -> str:
        return c  # printf's %s prints each as Python does: integers, 1/0, ISO dates; NULL as nothing

    def year_text(self, c: str) -> str:
        return f"substr({c}, 1, 4)"  # a date is its ISO text

    def year_and_day(self, c: str) -> tuple[str, str]:
        return f"CAST(substr({c}, 1, 4) AS INTEGER)", f"substr({c}, 6, 5)"  # a date is its ISO text

    def line(self, cells: list[str], *, before: str = "", after: str = "") -> str:
        if not cells:
            return self.literal(before + after)
        before, after = before.replace("%", "%%"), after.replace("%", "%%")
        template = (before + ",".join(["%s"] * len(cells)) + after).replace("'", "''")
        return f"printf('{template}', {', '.join(cells)})"


class _PostgreSQL(Spelling):
    control = "chr"

    def last(self, c: str, n: int) -> str:
        return f"right({c}, {n})"

    def repeated(self, mark: str, n: str) -> str:
        return f"repeat({self.literal(mark)}, {n})"

    def holds_any(self, c: str, chars: str) -> str:
        return "(" + " OR ".join(f"strpos({c}, {self.literal(ch)}) > 0" for ch in sorted(chars)) + ")"

    def as_text(self, c: str, kind: str) -> str:
        if kind == "integer":
            return f"CAST({c} AS TEXT)"
        if kind == "boolean":
            return f"(CASE {c} WHEN TRUE THEN '1' WHEN FALSE THEN '0' END)"
        if kind == "date":
            return f"to_char({c}, 'YYYY-MM-DD')"  # ISO whatever the server's DateStyle
        return c

    def year_text(self, c: str) -> str:
        return f"to_char({c}, 'YYYY')"

    def year_and_day(self, c: str) -> tuple[str, str]:
        return f"CAST(extract(year FROM {c}) AS INTEGER)", f"(to_char({c}, 'MM-DD') COLLATE \"C\")"

    def line(self, cells: list[str], *, before: str = "", after: str = "") -> str:
        parts = [self.literal(before)] if before else []
        for n, cell in enumerate(cells):
            parts.extend([*([self.literal(",")] if n else []), f"coalesce({cell}, '')"])
        if after:
            parts.append(self.literal(after))
        return "(" + " || ".join(parts or ["''"]) + ")"


SQLITE = _SQLite()
POSTGRESQL = _PostgreSQL()
SPELLINGS = {"sqlite": SQLITE, "postgresql": POSTGRESQL}


def guard_sql(c: str, sql: Spelling = SQLITE) -> str:
    """``io.neutralise`` of the text ``c`` in SQL: the formula guard in front of a text whose first character
    after any guards is a formula trigger."""
    guard = sql.literal(io.FORMULA_GUARD)
    triggers = ", ".join(sql.literal(ch) for ch in io.FORMULA_TRIGGERS)
    return f"(CASE WHEN substr(ltrim({c}, {guard}), 1, 1) IN ({triggers}) THEN {guard} || {c} ELSE {c} END)"


def quote_sql(c: str, text: str, sql: Spelling = SQLITE) -> str:
    """csv.writer's QUOTE_MINIMAL in SQL: ``text`` (the cell's text made of ``c``) quoted, inner quotes doubled,
    when ``c`` holds one of ``io.CSV_QUOTED_IF``."""
    quote = sql.literal(io.CSV_QUOTE)
    doubled = sql.literal(io.CSV_QUOTE * 2)
    holds = sql.holds_any(c, "".join(io.CSV_QUOTED_IF))
    return f"(CASE WHEN {holds} THEN {quote} || replace({text}, {quote}, {doubled}) || {quote} ELSE {text} END)"


def mask_sql(c: str, sql: Spelling = SQLITE) -> str:
    """``validate.mask`` of the text ``c`` in SQL. An empty text stays empty (no mark for none); NULL stays
    NULL."""
    first, last, mark = validate.MASK_KEEP_FIRST, validate.MASK_KEEP_LAST, validate.MASK_CHAR
    kept = first + last
    marks = sql.literal(mark * kept)
    return (
        f"(CASE WHEN length({c}) <= {kept} THEN substr({marks}, 1, length({c}))"
        f" ELSE substr({c}, 1, {first}) || {sql.repeated(mark, f'length({c}) - {kept}')}"
        f" || {sql.last(c, last)} END)"
    )


def cell_sql(name: str, kind: str, *, mask: bool, sql: Spelling = SQLITE) -> str:
    """The SQL of one CSV cell of the column ``name``. ``kind`` (``kinds``): "text" (free text: guarded,
    quoted, masked if asked), or a kind CSV takes as it is (integers, 1/0, ISO dates, UUIDs, slugs)."""
    column = f'"{name}"'
    if kind != "text":
        return sql.as_text(column, kind)
    if mask:
        column = mask_sql(column, sql)
    return quote_sql(column, guard_sql(column, sql), sql)


def kinds(table, columns: list[str], *, slugs: bool = True) -> list[str] | None:
    """Each column's kind for ``cell_sql``: "integer", "boolean", "date", "plain" (a text that is never
    guarded nor quoted: a uid, a slug) or "text"; None when a column cannot be printed by the database exactly
    like Python would (a REAL: SQLite prints 15 significant digits, Python the shortest repr).
    ``slugs=False``: slug columns are text (the same cells, more work for the database, no importer loaded)."""
    from sqlalchemy import Boolean, Date, Integer, String

    slug_names = _slug_columns().get(table.name, set()) if slugs else set()
    out = []
    for name in columns:
        kind = table.c[name].type
        kind = getattr(kind, "impl", kind)  # SQLModel's AutoString decorates a String
        if isinstance(kind, Boolean):
            out.append("boolean")
        elif isinstance(kind, Integer):
            out.append("integer")
        elif isinstance(kind, Date):
            out.append("date")
        elif name == "uid" or name in slug_names:
            out.append("plain")
        elif isinstance(kind, String):
            out.append("text")
        else:
            return None
    return out


def _slug_columns() -> dict[str, set[str]]:
    """Table -> its columns that only ever hold slugs (a-z, '-', ';'-joined): every write validates them."""
    from lbc_cli.importer import TABLES

    return {
        table: {name for name, (kind, _arg) in spec.items() if kind in ("slug", "slugs")}
        for table, spec, _required in TABLES.values()
    }


def _spelling(session) -> Spelling | None:
    return SPELLINGS.get(session.connection().dialect.name)


def csv_lines(
    query, model, columns: list[str], *, session, masked: frozenset[str], chunk: int = 5000, years: bool = False
):
    """The rows of ``query`` (a SELECT of ``model``'s table, ``store.table_query``: its filters and order kept,
    its columns replaced) as CSV lines of ``columns``, ``masked`` columns masked, in lists of ``chunk``; None
    where this cannot serve (a backend not spelt here, or a REAL column), and the caller takes the general
    path. ``years``: children's rows that may be purged, whose birth date is the year alone (``birth_year_sql``)."""
    from sqlalchemy import literal_column

    from lbc_cli import store

    sql = _spelling(session)
    column_kinds = kinds(model.__table__, columns)
    if sql is None or column_kinds is None:
        return None
    cells = [
        cell_sql(name, kind, mask=name in masked, sql=sql) for name, kind in zip(columns, column_kinds, strict=True)
    ]
    if years:
        at = columns.index("birth_date")
        cells[at] = birth_year_sql(cells[at], sql)
    lines = query.with_only_columns(literal_column(sql.line(cells)), maintain_column_froms=True)
    return _first_cells(store.raw_batches(lines, session=session, size=chunk))


def birth_year_sql(cell: str, sql: Spelling = SQLITE) -> str:
    """A child's birth date cell (``cell``: its SQL) as ``validate.birth_shown`` gives it: of a purged child
    the year alone."""
    purged, year = sql.literal(validate.PURGED), sql.year_text('"birth_date"')
    return f'(CASE WHEN "status" = {purged} THEN {year} ELSE {cell} END)'


def _first_cells(batches) -> Iterator[list]:
    with closing(batches):
        for batch in batches:
            yield [row[0] for row in batch]


# A line of bare cells that could read otherwise guarded and quoted: the characters that make a cell quoted
# but the comma and the line feed (a cell holding one of those shows in the line's count of them), and
# those a cell needing the guard starts with.
_QUOTED_IF_HELD = "".join(sorted(io.CSV_QUOTED_IF - {",", "\n"}))
_GUARDED_IF_FIRST = "".join(sorted(io.MAY_NEED_GUARD))
_LINE_TO_CHECK = re.compile(f"[{re.escape(_QUOTED_IF_HELD)}]|(?:^|,)[{re.escape(_GUARDED_IF_FIRST)}]")
# A trigger in every date ('-'): looked for only where a cell starts; any other found anywhere in the text
# means its lines are checked one by one
_FIRST_IN_DATES = "".join(sorted(io.MAY_NEED_GUARD & {"-"}))
_CHARS_TO_CHECK = "".join(sorted(set(_QUOTED_IF_HELD) | (io.MAY_NEED_GUARD - set(_FIRST_IN_DATES))))


def age_sql(c: str, as_of: date, sql: Spelling = SQLITE) -> str:
    """``validate.age_on`` of the date column ``c`` on ``as_of`` in SQL: completed years."""
    year, month_day = sql.year_and_day(c)
    after = f"(CASE WHEN {month_day} > '{as_of.strftime('%m-%d')}' THEN 1 ELSE 0 END)"
    return f"({as_of.year} - {year} - {after})"


def roster_lines(
    query,
    columns: list[str],
    *,
    helpers: dict[int, str],
    session,
    as_of: date,
    masked: frozenset[str],
    chunk: int = 10_000,
) -> Iterator[list[str]] | None:
    """``lbc child list``'s CSV lines, ``chunk`` at a time, ``masked`` columns masked: the rows of ``query``
    (a SELECT of children: its filters and order kept, its columns replaced) under ``columns``, with ``age``
    on ``as_of`` and ``helpers`` (child id -> names) among them; None where this cannot serve (a backend not
    spelt here), and the caller takes the general path.

    The database prints each line but the helpers, in two halves; Python puts the helpers' cell between them.
    The cells are printed bare first (masked if asked): only the lines where that could differ from
    neutralised and quoted cells (almost never: a name with a comma...) are printed again with care."""
    from sqlalchemy import literal_column

    from lbc_cli.models import Child

    sql = _spelling(session)
    if sql is None:
        return None
    stored = [name for name in columns if name not in ("age", "helpers")]
    stored_kinds = kinds(Child.__table__, stored, slugs=False)  # cells printed with care are few
    if stored_kinds is None:
        return None
    age = sql.as_text(age_sql('"birth_date"', as_of, sql), "integer")
    split = columns.index("helpers")
    commas = (split, len(columns) - split - 1)  # in the line before the helpers' cell, and after it

    def cell(name: str, kind: str, careful: bool) -> str:
        mask = name in masked
        if careful or kind != "text":
            return cell_sql(name, kind, mask=mask, sql=sql)
        return mask_sql(f'"{name}"', sql) if mask else f'"{name}"'  # bare: as it is, masked if asked

    def halves(careful: bool):
        cells = {name: cell(name, kind, careful) for name, kind in zip(stored, stored_kinds, strict=True)}
        cells["age"] = age
        head, tail = [cells[name] for name in columns[:split]], [cells[name] for name in columns[split + 1 :]]
        return query.with_only_columns(
            Child.id,
            literal_column(sql.line(head, after="," if head else "")),
            literal_column(sql.line(tail, before="," if tail else "")),
        )

    if _needing_care(list(helpers.values()), 0):
        helpers = {child_id: io.csv_cell(names) for child_id, names in helpers.items()}
    return _roster_chunks(halves(careful=False), halves(careful=True), commas, helpers, session, chunk)


def _roster_chunks(bare, careful, commas: tuple[int, int], helpers: dict, session, chunk: int) -> Iterator[list[str]]:
    """The lines of ``roster_lines``, a batch of ``bare`` at a time, its lines needing care from ``careful``."""
    from lbc_cli import store
    from lbc_cli.models import Child

    cell_of = helpers.get
    with closing(store.raw_batches(bare, session=session, size=chunk)) as batches:
        for rows in batches:
            again = {rows[n][0] for n in _needing_care([row[1] for row in rows], commas[0])}
            again.update(rows[n][0] for n in _needing_care([row[2] for row in rows], commas[1]))
            if again:
                ids, fixed = sorted(again), {}
                for start in range(0, len(ids), 500):
                    some = careful.where(Child.id.in_(ids[start : start + 500]))
                    fixed.update((row[0], row) for row in store.raw_rows(some, session=session))
                rows = [fixed.get(row[0], row) for row in rows]
            yield [before + cell_of(child_id, "") + after for child_id, before, after in rows]


def _needing_care(lines: list[str], commas: int) -> list[int]:
    """Which lines of bare cells (``commas`` commas a line) might read otherwise neutralised and quoted.

    One look at all of them first: it clears a county's roster in a few passes of str.count and ``in``."""
    text = "\n".join(lines)
    if (
        text.count(",") == commas * len(lines)
        and text.count("\n") == max(len(lines) - 1, 0)
        and not any(ch in text for ch in _CHARS_TO_CHECK)
        and not any(f",{ch}" in text or f"\n{ch}" in text or text[:1] == ch for ch in _FIRST_IN_DATES)
    ):
        return []
    return [
        n for n, line in enumerate(lines) if line.count(",") != commas or "\n" in line or _LINE_TO_CHECK.search(line)
    ]
