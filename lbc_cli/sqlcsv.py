"""CSV lines made by SQLite itself: the fast path of ``output.write_csv`` for a county's tables.

Through csv.writer Python pays eleven values and a call per row; here SQLite's printf joins each row into
one line, with the very text ``io.csv_cell`` gives: the formula guard, a cell quoted when it holds a comma,
a quote or a line break, phone and ID numbers masked as ``validate.mask`` does. The SQL of each of these is
generated from the constants that define them in Python (``io.FORMULA_TRIGGERS``, ``io.CSV_QUOTED_IF``,
``validate.MASK_KEEP_FIRST``...), never written out here; tests compare both paths cell by cell.
``lbc export`` (``csv_lines``) and ``lbc child list --format csv`` (``roster_lines``) use it.
"""

import re
from datetime import date

from lbc_cli import io, validate


def _literal(ch: str) -> str:
    """One character as an SQLite expression: a quoted literal, or char(n) for a control character."""
    if ch.isprintable():
        return "'" + ch.replace("'", "''") + "'"
    return f"char({ord(ch)})"


def _concat(text: str) -> str:
    """A text as an SQLite expression: its printable runs quoted, its control characters spelt char(n)."""
    runs = re.findall(r"[^\x00-\x1f\x7f]+|[\x00-\x1f\x7f]", text)
    return " || ".join("'" + run.replace("'", "''") + "'" if run.isprintable() else _literal(run) for run in runs)


def guard_sql(c: str) -> str:
    """``io.neutralise`` of the text ``c`` in SQL: the formula guard in front of a text whose first character
    after any guards is a formula trigger."""
    guard = _literal(io.FORMULA_GUARD)
    triggers = ", ".join(_literal(ch) for ch in io.FORMULA_TRIGGERS)
    return f"(CASE WHEN substr(ltrim({c}, {guard}), 1, 1) IN ({triggers}) THEN {guard} || {c} ELSE {c} END)"


def quote_sql(c: str, text: str) -> str:
    """csv.writer's QUOTE_MINIMAL in SQL: ``text`` (the cell's text made of ``c``) quoted, inner quotes doubled,
    when ``c`` holds one of ``io.CSV_QUOTED_IF``."""
    quote = _literal(io.CSV_QUOTE)
    doubled = _literal(io.CSV_QUOTE * 2)
    pattern = _concat("*[" + "".join(sorted(io.CSV_QUOTED_IF, reverse=True)) + "]*")
    return (
        f"(CASE WHEN {c} GLOB {pattern} THEN {quote} || replace({text}, {quote}, {doubled}) || {quote} ELSE {text} END)"
    )


def mask_sql(c: str) -> str:
    """``validate.mask`` of the text ``c`` in SQL. An empty text stays empty (printf's '%.*c' would print one
    mark for none); NULL stays NULL."""
    first, last, mark = validate.MASK_KEEP_FIRST, validate.MASK_KEEP_LAST, validate.MASK_CHAR
    kept = first + last
    marks = _literal(mark * kept)
    return (
        f"(CASE WHEN length({c}) <= {kept} THEN substr({marks}, 1, length({c}))"
        f" ELSE substr({c}, 1, {first}) || printf('%.*c', length({c}) - {kept}, {_literal(mark)})"
        f" || substr({c}, -{last}) END)"
    )


def cell_sql(name: str, kind: str, *, mask: bool) -> str:
    """The SQL of one CSV cell. ``kind``: "plain" (integers, 1/0, ISO dates, UUIDs, slugs: CSV as they are)
    or "text" (free text: guarded, quoted, masked if asked)."""
    column = f'"{name}"'
    if kind == "plain":
        return column  # printf's %s prints NULL as nothing, like an empty cell
    if mask:
        column = mask_sql(column)
    return quote_sql(column, guard_sql(column))


def kinds(table, columns: list[str], *, slugs: bool = True) -> list[str] | None:
    """Each column's kind for ``cell_sql``; None when a column cannot be printed by SQLite exactly
    like Python would (a REAL: SQLite prints 15 significant digits, Python the shortest repr).
    ``slugs=False``: slug columns are text (the same cells, more work for SQLite, no importer loaded)."""
    from sqlalchemy import Boolean, Date, Integer, String

    slug_names = _slug_columns().get(table.name, set()) if slugs else set()
    out = []
    for name in columns:
        kind = table.c[name].type
        kind = getattr(kind, "impl", kind)  # SQLModel's AutoString decorates a String
        if isinstance(kind, Integer | Boolean | Date) or name == "uid" or name in slug_names:
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


def csv_lines(
    model,
    columns: list[str],
    *,
    session,
    masked: frozenset[str],
    equal: dict | None = None,
    start: date | None = None,
    end: date | None = None,
    chunk: int = 5000,
):
    """The rows of ``store.stream_rows`` as CSV lines, ``masked`` columns masked, in lists of ``chunk``; None
    where this cannot serve (not SQLite, or a REAL column), and the caller takes the general path."""
    connection = session.connection()
    table = model.__table__
    column_kinds = kinds(table, columns)
    if connection.dialect.name != "sqlite" or column_kinds is None:
        return None
    cells = [cell_sql(name, kind, mask=name in masked) for name, kind in zip(columns, column_kinds, strict=True)]
    where, params = [], []
    for name, value in (equal or {}).items():
        where.append(f'"{table.c[name].name}" = ?')
        params.append(value)
    if start is not None:
        where.append('"date" >= ?')
        params.append(start.isoformat())
    if end is not None:
        where.append('"date" <= ?')
        params.append(end.isoformat())
    sql = f"SELECT printf('{','.join(['%s'] * len(cells))}', {', '.join(cells)}) FROM \"{table.name}\""
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id"
    return _chunks(connection.connection.dbapi_connection.cursor(), sql, params, chunk)


def _chunks(cursor, sql: str, params: list, chunk: int):
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield [row[0] for row in rows]
    finally:
        cursor.close()


# validate.age_on: completed years on a day, from an ISO birth date (SQLite stores a date as that text)
_AGE = "({year} - CAST(substr({c}, 1, 4) AS INTEGER) - (substr({c}, 6, 5) > '{month_day}'))"
# The characters that make a cell quoted but the comma and the line feed (a cell holding one of those shows
# in the line's count of them), and those a cell needing the guard starts with.
_QUOTED_IF_HELD = "".join(sorted(io.CSV_QUOTED_IF - {",", "\n"}))
_GUARDED_IF_FIRST = "".join(sorted(io.MAY_NEED_GUARD))
# A line of bare cells that could read otherwise guarded and quoted
_LINE_TO_CHECK = re.compile(f"[{re.escape(_QUOTED_IF_HELD)}]|(?:^|,)[{re.escape(_GUARDED_IF_FIRST)}]")
# A trigger in every date ('-'): looked for only where a cell starts; any other found anywhere in the text
# means its lines are checked one by one
_FIRST_IN_DATES = "".join(sorted(io.MAY_NEED_GUARD & {"-"}))
_CHARS_TO_CHECK = "".join(sorted(set(_QUOTED_IF_HELD) | (io.MAY_NEED_GUARD - set(_FIRST_IN_DATES))))


def roster_lines(
    query, columns: list[str], *, helpers: dict[int, str], session, as_of: date, masked: frozenset[str]
) -> list[list[str]] | None:
    """``lbc child list``'s CSV lines, in one chunk, ``masked`` columns masked: the rows of ``query`` (a SELECT
    of children: its filters and order kept, its columns replaced) under ``columns``, with ``age`` on ``as_of``
    and ``helpers`` (child id -> names) among them; None where this cannot serve (not SQLite), and the caller
    takes the general path.

    SQLite prints each line but the helpers, in two halves; Python puts the helpers' cell between them.
    The cells are printed bare first (masked if asked): only the lines where that could differ from
    neutralised and quoted cells (almost never: a name with a comma...) are printed again with care."""
    from sqlalchemy import literal_column

    from lbc_cli.models import Child
    from lbc_cli.store import raw_rows

    if session.connection().dialect.name != "sqlite":
        return None
    stored = [name for name in columns if name not in ("age", "helpers")]
    stored_kinds = kinds(Child.__table__, stored, slugs=False)  # cells printed with care are few
    if stored_kinds is None:
        return None
    age = _AGE.format(c='"birth_date"', year=as_of.year, month_day=as_of.strftime("%m-%d"))
    split = columns.index("helpers")
    commas = (split, len(columns) - split - 1)  # in the line before the helpers' cell, and after it

    def cell(name: str, kind: str, careful: bool) -> str:
        mask = name in masked
        if careful or kind == "plain":
            return cell_sql(name, kind, mask=mask)
        return mask_sql(f'"{name}"') if mask else f'"{name}"'  # bare: as it is, masked if asked

    def halves(careful: bool):
        cells = {name: cell(name, kind, careful) for name, kind in zip(stored, stored_kinds, strict=True)}
        cells["age"] = age
        head, tail = [cells[name] for name in columns[:split]], [cells[name] for name in columns[split + 1 :]]
        return (
            literal_column(f"printf('{'%s,' * len(head)}', {', '.join(head)})" if head else "''"),
            literal_column(f"printf('{',%s' * len(tail)}', {', '.join(tail)})" if tail else "''"),
        )

    rows = raw_rows(query.with_only_columns(Child.id, *halves(careful=False)), session=session)
    again = {rows[n][0] for n in _needing_care([row[1] for row in rows], commas[0])}
    again.update(rows[n][0] for n in _needing_care([row[2] for row in rows], commas[1]))
    if again:
        careful = query.with_only_columns(Child.id, *halves(careful=True))
        ids, fixed = sorted(again), {}
        for start in range(0, len(ids), 500):
            chunk = careful.where(Child.id.in_(ids[start : start + 500]))
            fixed.update((row[0], row) for row in raw_rows(chunk, session=session))
        rows = [fixed.get(row[0], row) for row in rows]
    if _needing_care(list(helpers.values()), 0):
        helpers = {child_id: io.csv_cell(names) for child_id, names in helpers.items()}
    cell_of = helpers.get
    return [[before + cell_of(child_id, "") + after for child_id, before, after in rows]]


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
