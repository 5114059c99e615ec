"""Whole tables out and in: the rows `lbc export` writes, read in one snapshot, and the rows `lbc import`
loads, in one transaction."""

from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import date
from typing import NamedTuple


class Exported(NamedTuple):
    """A table's rows to write: CSV lines made by the database (``lines``, where it can), else the rows as
    dicts of the columns (``rows``)."""

    lines: object
    rows: Iterator[dict] | None


@contextmanager
def exported(
    db,
    model,
    columns: list[str],
    *,
    csv: bool,
    reveal: bool,
    equal: dict,
    start: date | None,
    end: date | None,
) -> Iterator[Exported]:
    """Every row of a table in id order (``store.stream_rows``'s filters), read while the block writes them;
    with ``csv``, SQLite makes the CSV lines itself where it can (masked unless ``reveal``)."""
    from lbc_cli import sqlcsv, store

    with db.session() as session:
        lines = None
        if csv:
            lines = sqlcsv.csv_lines(model, columns, session=session, reveal=reveal, equal=equal, start=start, end=end)
        if lines is not None:
            yield Exported(lines, None)
            return
        stored = store.stream_rows(model, columns, session=session, equal=equal, start=start, end=end)
        with closing(stored):  # ended here, in its transaction, even when the writing stops half-way
            yield Exported(None, stored)


def import_file(
    db, name: str, file: str, *, fmt: str, encoding: str | None, today: date, dry_run: bool, force: bool, progress
) -> int:
    """Import a file (``-``: stdin) into table ``name``, its headers matched to the table's columns, in one
    transaction: every row, or none when a row is bad or on a dry run (``importer.load``); the number of rows."""
    from lbc_cli import importer, io

    _table, spec, _required = importer.TABLES[name]
    columns = [*spec, "id", "uid"]

    def rename(headers: list[str]) -> list[str]:
        mapping = importer.header_map(headers, columns)
        return [mapping.get(h, h) for h in headers]

    def mapped():
        if fmt == "csv":  # named once, from the header
            yield from io.read_rows(file, fmt, encoding, rename)
            return
        mapping = None
        for number, raw in io.read_rows(file, fmt, encoding):
            if io.BAD_CELLS in raw:
                yield number, raw
                continue
            if mapping is None:
                mapping = importer.header_map(list(raw), columns)
            yield number, {mapping.get(k, k): v for k, v in raw.items()}

    with db.session(write=True) as session:
        return importer.load(
            name,
            mapped(),
            source="<stdin>" if file == "-" else file,
            session=session,
            today=today,
            dry_run=dry_run,
            force=force,
            progress=progress,
            csv_quotes=fmt == "csv",
        )
