"""remind (SPEC section 6): an unpaired child is due from the day its last pairing ended, else its enrolment (or
re-entry) date; each helper's list is the helper's own (by id), headed with its role, and its id where another
helper has the same name.

Every due date and days-overdue value is worked out by hand in the comments from the spec's rules.
"""

import csv
import io
import json

ENROLLED = "2025-09-01"
AS_OF = "2026-06-05"


def ok(result) -> str:
    assert result.code == 0, result.err
    return result.out


def enroll(lbc, name: str) -> str:
    args = ["enroll", name, "--gender", "M", "--birth", "2014-03-10", "--enrolled-on", ENROLLED]
    args += ["--consent-on", ENROLLED, "--care-agreement-on", ENROLLED, "--guardian", "张奶奶"]
    args += ["--guardian-relation", "grandparent", "--guardian-phone", "13800001111"]
    return ok(lbc(*args)).strip()


def unpaired(lbc, as_of: str = AS_OF) -> set[tuple]:
    """The CSV's unpaired rows as (child_id, rule, due_date, days_overdue, priority, helpers)."""
    table = list(csv.reader(io.StringIO(ok(lbc("remind", "--as-of", as_of, "--format", "csv")))))
    return {(r[0], r[2], r[3], r[4], r[5], r[6]) for r in table[1:] if r[2] == "unpaired"}


def paired_child(lbc) -> str:
    child = enroll(lbc, "张小明")
    ok(lbc("helper", "add", "李妈妈", "--role", "loving-mother"))
    ok(lbc("pair", child, "李妈妈", "--since", ENROLLED))
    return child


def test_unpaired_is_due_the_day_the_pairing_ended(lbc):
    child = paired_child(lbc)
    ok(lbc("pair", "end", child, "李妈妈", "--date", "2026-05-31"))
    # in force through 2026-05-30; from 2026-05-31 none: due 2026-05-31, 5 days overdue on 2026-06-05
    assert unpaired(lbc, "2026-05-30") == set()
    assert unpaired(lbc, "2026-05-31") == {(child, "unpaired", "2026-05-31", "0", "high", "")}
    assert unpaired(lbc) == {(child, "unpaired", "2026-05-31", "5", "high", "")}
    # every format follows: the text's and Markdown's list of children with no helper, the JSON
    text = ok(lbc("remind", "--as-of", AS_OF))
    assert f"  [high] 张小明 ({child}): no helper yet, 2026-05-31, 5 days overdue" in text.splitlines()
    md = ok(lbc("remind", "--as-of", AS_OF, "--format", "md"))
    assert f"- \\[high\\] 张小明 ({child}): no helper yet, 2026-05-31, 5 days overdue" in md.splitlines()
    found = [r for r in json.loads(ok(lbc("remind", "--as-of", AS_OF, "--format", "json"))) if r["rule"] == "unpaired"]
    assert [(r["due_date"], r["days_overdue"]) for r in found] == [("2026-05-31", 5)]


def test_the_last_of_several_ended_pairings_counts(lbc):
    child = paired_child(lbc)
    ok(lbc("helper", "add", "王老师", "--role", "class-teacher"))
    ok(lbc("pair", child, "王老师", "--since", ENROLLED))
    ok(lbc("pair", "end", child, "王老师", "--date", "2026-04-30"))
    assert unpaired(lbc, "2026-05-15") == set()  # 李妈妈's pairing still in force
    ok(lbc("pair", "end", child, "李妈妈", "--date", "2026-05-31"))
    # the last end, 2026-05-31, not 2026-04-30: 5 days
    assert unpaired(lbc) == {(child, "unpaired", "2026-05-31", "5", "high", "")}


def test_an_inactive_helper_leaves_the_child_due_from_that_day(lbc):
    child = paired_child(lbc)
    ok(lbc("helper", "update", "李妈妈", "--inactive", "--date", "2026-05-20"))
    # the pairing ends 2026-05-20: 11 days to 2026-05-31, 5 more = 16
    assert unpaired(lbc) == {(child, "unpaired", "2026-05-20", "16", "high", "")}


def test_pair_update_until_moves_the_due_date(lbc):
    child = paired_child(lbc)
    ok(lbc("pair", "update", "1", "--until", "2026-05-25"))
    # 2026-05-25 -> 2026-05-31: 6 days, 5 more = 11
    assert unpaired(lbc) == {(child, "unpaired", "2026-05-25", "11", "high", "")}
    ok(lbc("pair", "update", "1", "--until", "2026-05-28"))
    assert unpaired(lbc) == {(child, "unpaired", "2026-05-28", "8", "high", "")}


def test_a_child_never_paired_is_due_from_its_enrolment(lbc):
    child = enroll(lbc, "张小明")
    # 2025-09-01 -> 2026-06-01: 30+31+30+31+31+28+31+30+31 = 273 days, 4 more = 277
    assert unpaired(lbc) == {(child, "unpaired", ENROLLED, "277", "high", "")}


def test_a_child_back_from_a_time_out_counts_from_its_reentry_not_the_pairing_ended_before(lbc):
    child = paired_child(lbc)
    ok(lbc("child", "exit", child, "--reason", "moved", "--date", "2026-01-15"))  # ends the pairing that day
    ok(lbc("child", "reenter", child, "--date", "2026-03-01"))
    # the pairing ended 2026-01-15, before the re-entry: due the re-entry date; 2026-03-01 -> 2026-06-01 is
    # 31+30+31 = 92 days, 4 more = 96
    assert unpaired(lbc) == {(child, "unpaired", "2026-03-01", "96", "high", "")}
    ok(lbc("pair", child, "李妈妈", "--since", "2026-03-10"))
    assert unpaired(lbc) == set()
    ok(lbc("pair", "end", child, "李妈妈", "--date", "2026-05-31"))
    # a pairing of its present time in the programme ended: 5 days
    assert unpaired(lbc) == {(child, "unpaired", "2026-05-31", "5", "high", "")}


# ---- helpers with the same name -----------------------------------------------------------------


def headings(text: str) -> list[str]:
    """The headings of remind's text groups of children (no indent, a count after " · "), without the count."""
    return [line.split(" · ")[0] for line in text.splitlines()[1:] if " · " in line and not line.startswith(" ")]


def named_alike(lbc) -> tuple[str, str]:
    """孙梅 (1, loving mother) with 张小明, and 李妈妈 (3); 孙梅 (2, volunteer) with 刘小刚."""
    first, second = enroll(lbc, "张小明"), enroll(lbc, "刘小刚")
    assert ok(lbc("helper", "add", "孙梅", "--role", "爱心妈妈")).strip() == "1"
    assert ok(lbc("helper", "add", "孙梅", "--role", "志愿者")).strip() == "2"  # warned, not refused
    assert ok(lbc("helper", "add", "李妈妈", "--role", "loving-mother")).strip() == "3"
    ok(lbc("pair", first, "1", "--since", ENROLLED))
    ok(lbc("pair", first, "3", "--since", ENROLLED))
    ok(lbc("pair", second, "2", "--since", ENROLLED))
    return first, second


def test_helpers_with_the_same_name_have_their_own_lists_with_their_own_roles(lbc):
    first, second = named_alike(lbc)
    text = ok(lbc("remind", "--as-of", AS_OF))
    assert sorted(headings(text)) == ["孙梅(1, loving mother)", "孙梅(2, volunteer)", "李妈妈(loving mother)"]
    groups = text.split("\n\n")
    mine = {g.splitlines()[0].split(" · ")[0]: g for g in groups if " · " in g.splitlines()[0]}
    assert f"张小明 ({first})" in mine["孙梅(1, loving mother)"] and "刘小刚" not in mine["孙梅(1, loving mother)"]
    assert f"刘小刚 ({second})" in mine["孙梅(2, volunteer)"] and "张小明" not in mine["孙梅(2, volunteer)"]
    # each list printed alone is headed with that helper's own role, in Chinese with Chinese punctuation
    assert headings(ok(lbc("--lang", "zh", "remind", "--as-of", AS_OF, "--helper", "1"))) == ["孙梅（1，爱心妈妈）"]
    assert headings(ok(lbc("--lang", "zh", "remind", "--as-of", AS_OF, "--helper", "2"))) == [
        "孙梅（2，牵手扶助志愿者）"
    ]
    md = ok(lbc("remind", "--as-of", AS_OF, "--format", "md", "--helper", "2"))
    assert [line[3:].split(" · ")[0] for line in md.splitlines() if line.startswith("## 孙")] == ["孙梅(2, volunteer)"]
    # the CSV's helpers column stays names, ;-joined (pinyin order: li, sun)
    table = list(csv.reader(io.StringIO(ok(lbc("remind", "--as-of", AS_OF, "--format", "csv")))))
    assert {r[0]: r[6] for r in table[1:] if r[0]} == {first: "李妈妈;孙梅", second: "孙梅"}
