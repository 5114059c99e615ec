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


def load(db, name: str, rows, **options) -> int:
    """Import a table's rows (``importer.load`` and its options) in one transaction: all of them, or none
    when a row is bad or on a dry run; the number of rows."""
    from lbc_cli import importer

    with db.session(write=True) as session:
        return importer.load(name, rows, session=session, **options)
