"""Whole tables out and in: the rows `lbc export` writes, read in one snapshot, and the rows `lbc import`
loads, in one transaction."""

from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lbc_cli.output import Table


@contextmanager
def exported(
    db,
    model,
    columns: list[str],
    *,
    reveal: bool,
    equal: dict,
    start: date | None,
    end: date | None,
    status: str | None = None,
) -> Iterator["Table"]:
    """Every row of a table in id order (``store.table_query``'s filters: a purged child's rows only when
    ``status`` asks for them) as the output layer's Table, read in one snapshot while the block writes it;
    its CSV writer may have the database make the lines itself. A purged child's birth date is its year
    alone (SPEC section 10: the day it is stored with is not its birthday; ``lbc import`` reads it back)."""
    from lbc_cli import sqlcsv, store
    from lbc_cli.output import Table

    query = store.table_query(model, columns, equal=equal, start=start, end=end, status=status)
    years = status in (store.PURGED, "all") and model.__table__.name == "children" and "birth_date" in columns
    # the readers are ended here, in their transaction, even when the writing stops half-way
    with db.session() as session, ExitStack() as readers:
        stored = readers.enter_context(closing(store.stream_rows(query, columns, session=session)))

        def csv_lines(masked: frozenset[str]):
            lines = sqlcsv.csv_lines(query, model, columns, session=session, masked=masked, years=years)
            return lines if lines is None else readers.enter_context(closing(lines))

        yield Table(columns, map(_birth_year, stored) if years else stored, reveal=reveal, csv_lines=csv_lines)


def _birth_year(row: dict) -> dict:
    """A child's row as exported: of a purged child, the birth year alone (as text: "2016")."""
    from lbc_cli import validate

    if row.get("status") == validate.PURGED:
        row["birth_date"] = validate.birth_shown(row["birth_date"], validate.PURGED)
    return row


def import_file(
    db,
    name: str,
    file: str,
    *,
    fmt: str,
    encoding: str | None,
    today: date,
    dry_run: bool,
    force: bool,
    progress,
    warn=None,
) -> int:
    """Import a file (``-``: stdin) into table ``name``, its headers matched to the table's columns, in one
    transaction: every row, or none when a row is bad or on a dry run (``importer.load``); the number of rows."""
    from lbc_cli import importer, io

    _table, spec, _required = importer.TABLES[name]
    columns = [*spec, "id", "uid"]
    source = "<stdin>" if file == "-" else file
    headers: dict[str, str] = {}  # column -> the file's own header for it: how a problem names the column

    def rename(raw: list[str]) -> list[str]:
        """A CSV file's or a sheet's header as columns, checked once for the whole file (importer.check_header)."""
        mapping = importer.header_map(raw, columns)
        keys = [mapping.get(h, h) for h in raw]
        importer.check_header(name, source, raw, keys, blank_ok=fmt == "xlsx")
        for header, key in zip(raw, keys, strict=True):
            headers.setdefault(key, header.strip().lstrip("\ufeff").strip())
        return keys

    def mapped():
        if fmt in ("csv", "xlsx"):  # named once, from the header
            yield from io.read_rows(file, fmt, encoding, rename)
            return
        mapping: dict[str, str] = {}  # each key of a JSON object, as the objects bring it
        for number, raw in io.read_rows(file, fmt, encoding):
            if io.BAD_CELLS in raw:
                yield number, raw
                continue
            for key in raw:
                if key not in mapping:
                    mapping[key] = importer.header_map([key], columns).get(key, key)
                    headers.setdefault(mapping[key], key)
            yield number, {mapping[k]: v for k, v in raw.items()}

    with db.session(write=True) as session:
        return importer.load(
            name,
            mapped(),
            source=source,
            session=session,
            today=today,
            dry_run=dry_run,
            force=force,
            progress=progress,
            csv_quotes=fmt == "csv",
            warn=warn,
            headers=headers,
        )
