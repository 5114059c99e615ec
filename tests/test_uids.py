"""Every new row's uid is a UUID version 7 (RFC 9562): its bits, its order, its uniqueness in a bulk import; the
demo database keeps the uids of its seeded generator."""

import uuid
from pathlib import Path

from conftest import is_url, rows

from lbc_cli import uids

ROOT = Path(__file__).resolve().parent.parent


def layout(text: str) -> tuple[int, int, int]:
    """(version, variant bits, millisecond) of a uid, read from its 128 bits."""
    value = uuid.UUID(text).int
    assert str(uuid.UUID(text)) == text  # canonical: lower-case, dashed
    return value >> 76 & 0xF, value >> 62 & 0b11, value >> 80


def test_a_uid_is_version_7_variant_10_with_the_time_in_milliseconds(monkeypatch):
    # 2026-01-02 03:04:05.678 UTC is 1767323045678 ms: 0x019b7ca98f2e, the first 12 hex digits
    monkeypatch.setattr(uids.time, "time_ns", lambda: 1_767_323_045_678_901_234)
    monkeypatch.setattr(uids, "_last", [0, 0])
    one = uids.new_uid()
    assert one.startswith("019b7ca9-8f2e-7")
    assert layout(one) == (7, 0b10, 1_767_323_045_678)
    for text in uids.new_uids(1000):
        assert layout(text) == (7, 0b10, 1_767_323_045_678)


def test_successive_uids_come_in_increasing_order():
    one_by_one = [uids.new_uid() for _ in range(5000)]
    bulk = uids.new_uids(200_000)  # more than one stretch of 65,536 sharing the first four groups
    after = uids.new_uid()
    together = [*one_by_one, *bulk, after]
    assert together == sorted(together)
    assert len(set(together)) == len(together)
    assert all(layout(text)[:2] == (7, 0b10) for text in bulk[65_530:65_540])


def test_a_used_up_counter_borrows_the_next_millisecond(monkeypatch):
    # the counter starts 2 short of its 42 bits: the third uid of the same millisecond takes the next one
    monkeypatch.setattr(uids.time, "time_ns", lambda: 1_000_000_000_000 * 1_000_000)
    monkeypatch.setattr(uids, "_last", [0, 0])
    monkeypatch.setattr(uids, "_random_start", iter([2**42 - 2, 5]).__next__)
    made = uids.new_uids(3)
    assert [layout(text)[2] for text in made] == [1_000_000_000_000, 1_000_000_000_000, 1_000_000_000_001]
    # the counter is 12 bits after the version, 14 after the variant, 16 before the 32 random bits
    assert [(int(t[15:18], 16), int(t[19:23], 16) & 0x3FFF, int(t[24:28], 16)) for t in made] == [
        (0xFFF, 0x3FFF, 0xFFFE),
        (0xFFF, 0x3FFF, 0xFFFF),
        (0, 0, 5),
    ]
    assert made == sorted(made)
    # the clock has not moved on: the next uid continues from the borrowed millisecond
    assert layout(uids.new_uid())[2] == 1_000_000_000_001


def test_enroll_add_and_log_contact_make_version_7_uids(lbc, db):
    assert (
        lbc(
            "enroll",
            "王小明",
            "--gender",
            "M",
            "--birth",
            "2015-03-04",
            "--village",
            "李家村",
            "--enrolled-on",
            "2024-01-01",
        ).code
        == 0
    )
    assert lbc("helper", "add", "周晓燕", "--role", "volunteer").code == 0
    assert lbc("log-contact", "1", "--kind", "home-visit", "--date", "2024-05-01").code == 0
    made = [rows(db, f"SELECT uid FROM {table}")[0][0] for table in ("children", "helpers", "contacts")]
    assert [layout(text)[:2] for text in made] == [(7, 0b10)] * 3
    assert made == sorted(made)  # made one after the other


def test_a_bulk_import_gives_every_row_its_own_uid_in_file_order(run, db, tmp_path):
    n = 2500  # three chunks, the last one short
    lines = ["name,gender,birth_date,village"]
    lines += [f"儿童{i},{'MF'[i % 2]},2015-{1 + i % 12:02d}-{1 + i % 28:02d},李家村" for i in range(n)]
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("import", "children", str(roster), db=db)
    assert result.code == 0, result.err
    made = [uid for (uid,) in rows(db, "SELECT uid FROM children ORDER BY id")]
    assert len(made) == len(set(made)) == n
    assert made == sorted(made)
    assert {layout(text)[:2] for text in made} == {(7, 0b10)}


def test_the_demo_database_keeps_the_uids_of_its_seeded_generator(run, new_db):
    first, second = new_db("one.db"), new_db("two.db")
    for target in (first, second):
        assert run("init", "--example", db=target).code == 0
    query = " UNION ALL ".join(
        f"SELECT * FROM (SELECT uid FROM {table} ORDER BY id) AS {table}"
        for table in ("children", "helpers", "pairings", "contacts", "exams")
    )
    made = rows(first, query)
    assert len(made) > 40 and made == rows(second, query)
    assert {uuid.UUID(uid).version for (uid,) in made} == {4}  # random.Random(SEED)'s bits, as they always were
    if not is_url(first):
        assert made == rows(ROOT / "lbc.example.db", query)  # the committed demo file: the same rows
