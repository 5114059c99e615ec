"""An import checks a chunk's cells column by column, a whole chunk at once where every cell has the usual form:
that gives exactly what the rule for one cell gives, for every mix of cells, and a chunk of new children is
noted at once only when none of them repeats another."""

from datetime import date

from conftest import is_url, rows
from hypothesis import given, settings
from hypothesis import strategies as st

from lbc_cli import importer
from lbc_cli.errors import Invalid

TODAY = date(2026, 9, 1)

CELLS = {
    "text": st.sampled_from(["王小明", " 李家村 ", "", "   ", "'=1+1", "O'Brien", "a\tb", "x" * 201,
                             "北塘乡彭寨村1组"]),
    "phone": st.sampled_from(["13800001111", "", "1380000111", "23800001111", "138-0000-1111", "１３８００００１１１１",
                              "010-12345678", "1380000111a"]),
    "date": st.sampled_from(["2015-03-04", "2026-09-01", "2026-09-02", "", "2015-02-30", "1899-12-31", "2015/03/04",
                             "2015-3-4", "20150304", "2199-12-31", "2200-01-01", "２０１５-03-04"]),
    "int": st.sampled_from(["1", "007", "0", "", "1440", "1441", "-1", "1.0", "１２"]),
}  # fmt: skip


def one_by_one(column: importer._Column, values) -> tuple[dict, dict]:
    parsed, bad = {}, {}
    for value in values:
        try:
            parsed[value] = column.parse(value)
        except Invalid as exc:
            parsed[value] = importer._REFUSED
            bad[value] = (exc.field, exc.problem)
    return parsed, bad


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(
        [("text", "text"), ("phone", "phone"), ("date", "date"), ("date", "pastdate"), ("int", "int")]
    ),
    data=st.data(),
)
def test_a_chunk_at_once_gives_what_each_cell_gives(kind, data):
    cells, field_kind = kind
    values = set(data.draw(st.lists(CELLS[cells], min_size=1, max_size=8)))
    column = importer._Column("minutes", field_kind, "1440" if field_kind == "int" else None, TODAY, True)
    assert column.parse_distinct(values) == one_by_one(column, values)


def test_a_chunk_of_plain_ids_is_read_at_once_and_any_other_id_by_the_rule():
    loader = importer._Loader("contacts", None, TODAY, 18, True, False, importer.Problems("f.csv"))
    failed: dict = {}
    assert loader._ids(["1", "22", "007"], failed) == [1, 22, 7] and failed == {}
    assert loader._ids(["1", "", "0"], failed) == [1, None, None]
    assert failed == {2: ("id", failed[2][1])}


def children_loader() -> importer._Loader:
    return importer._Loader("children", None, TODAY, 18, True, False, importer.Problems("f.csv"))


def test_a_chunk_of_new_children_is_noted_at_once():
    loader = children_loader()
    loader.by_name[b"\xe7\x8e\x8b\xe5\xb0\x8f\xe6\x98\x8e\x002015-03-04"] = -7  # 王小明 born 2015-03-04, id 7
    births = [date(2016, 1, 2), date(2016, 1, 3)]
    assert loader._new_children([2, 3], ["李明", "李明"], map(date.isoformat, births), ["110105201601020019", None])
    assert loader.by_name[("李明\0" + "2016-01-03").encode()] == 3
    assert loader.by_id_number[int("110105201601020019", 16)] == 2
    # one repeat anywhere (the chunk, the rows before, the database): nothing noted, row by row instead
    for names, id_numbers in (
        (["张三", "张三"], [None, None]),
        (["张三", "李四"], ["11010520160102001X", "11010520160102001X"]),
        (["王小明", "李四"], [None, None]),
        (["张三", "李四"], [None, "110105201601020019"]),
    ):
        before = (dict(loader.by_name), dict(loader.by_id_number))
        days = ["2015-03-04", "2015-03-04"]
        assert not loader._new_children([4, 5], names, iter(days), id_numbers), names
        assert (loader.by_name, loader.by_id_number) == before


def test_a_bulk_load_of_contacts_keeps_the_foreign_keys(run, db, tmp_path):
    """A bulk load (a full chunk into an empty table) builds the plain indexes after, and on PostgreSQL adds the
    foreign keys again after (one check of every row): both are there afterwards, and the rows refer as they should."""
    children = tmp_path / "children.csv"
    children.write_text(  # enrolled before their contacts (SPEC section 10)
        "name,gender,birth_date,village,enrolled_on\n王小明,M,2015-03-04,李家村,2024-01-01\n李小红,F,2016-05-06,李家村,2024-01-01\n"
    )
    assert run("import", "children", str(children), db=db).code == 0
    contacts = tmp_path / "contacts.csv"
    days = [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(1500)]
    contacts.write_text(
        "child_id,kind,date\n" + "".join(f"{1 + i % 2},home-visit,{day}\n" for i, day in enumerate(days))
    )
    result = run("import", "contacts", str(contacts), db=db)
    assert result.code == 0, result.err
    assert rows(db, "SELECT child_id, count(*) FROM contacts GROUP BY child_id ORDER BY child_id") == [
        (1, 750),
        (2, 750),
    ]
    if is_url(db):
        keys = "SELECT conname FROM pg_constraint WHERE conrelid = 'contacts'::regclass AND contype = 'f' ORDER BY 1"
        assert rows(db, keys) == [("contacts_child_id_fkey",), ("contacts_helper_id_fkey",)]
        indexes = "SELECT indexname FROM pg_indexes WHERE tablename = 'contacts' ORDER BY 1"
    else:
        indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts' ORDER BY 1"
    assert [name for (name,) in rows(db, indexes) if name.startswith("ix_")] == [
        "ix_contacts_child_kind_date", "ix_contacts_date", "ix_contacts_helper_date",
    ]  # fmt: skip
    assert run("db", "check", db=db).code == 0
