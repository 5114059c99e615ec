"""Input a person would type (SPEC section 10, issue 20 item 4): relation words, the role word 志愿者, lists of names
separated by ， 、 or spaces, `--clear` with a field's Chinese label, the parent label that needs no quotes in a shell.
Every expected value is taken from SPEC section 10's lists, written out here by hand."""

import pytest
from conftest import rows

# SPEC section 10: relation word -> slug
RELATION_WORDS = {
    "父亲": "parent",
    "母亲": "parent",
    "爸爸": "parent",
    "妈妈": "parent",
    "爷爷": "grandparent",
    "奶奶": "grandparent",
    "外公": "maternal-grandparent",
    "外婆": "maternal-grandparent",
    "姥姥": "maternal-grandparent",
    "姥爷": "maternal-grandparent",
    **dict.fromkeys(["叔叔", "伯伯", "婶婶", "伯母", "姑姑", "姑父", "舅舅", "舅妈", "姨妈", "姨父"], "relative"),
    "父/母(在家一方)": "parent",  # the older label, still read
    "父母一方": "parent",  # SPEC section 4's label
}


def _enroll(lbc, name: str, *args: str) -> int:
    done = lbc("enroll", name, "--gender", "F", "--birth", "2014-05-06", "--enrolled-on", "2024-01-01", *args)
    assert done.code == 0, done.err
    return int(done.out.strip())


@pytest.mark.parametrize(("word", "slug"), list(RELATION_WORDS.items()))
def test_a_relation_word_is_read_as_its_relation(lbc, db, word, slug):
    child = _enroll(lbc, "王芳", "--guardian-relation", word, "--away", "both")
    assert rows(db, "SELECT guardian_relation FROM children WHERE id = ?", child) == [(slug,)]


@pytest.mark.parametrize(
    ("word", "father_away", "mother_away"),
    [("父亲", False, True), ("爸爸", False, True), ("母亲", True, False), ("妈妈", True, False)],
)
def test_the_parent_at_home_named_means_the_other_parent_is_away(lbc, db, word, father_away, mother_away):
    child = _enroll(lbc, "王芳", "--guardian-relation", word)
    assert rows(db, "SELECT father_away, mother_away FROM children WHERE id = ?", child) == [(father_away, mother_away)]
    both = _enroll(lbc, "李娜", "--guardian-relation", word, "--away", "both")  # --away says otherwise
    assert rows(db, "SELECT father_away, mother_away FROM children WHERE id = ?", both) == [(True, True)]
    assert lbc("child", "update", str(both), "--guardian-relation", "妈妈").code == 0
    assert rows(db, "SELECT father_away, mother_away FROM children WHERE id = ?", both) == [(True, False)]


def test_the_parent_label_is_one_shell_word_and_shown(lbc, db):
    child = _enroll(lbc, "王芳", "--guardian-relation", "父母一方", "--guardian", "王大")
    card = lbc("--lang", "zh", "child", "show", str(child))
    assert card.code == 0, card.err
    assert "父母一方" in card.out and "在家一方" not in card.out


def test_the_role_word_volunteer(lbc, db):
    done = lbc("helper", "add", "张老师", "--role", "志愿者")
    assert done.code == 0, done.err
    assert rows(db, "SELECT role FROM helpers") == [("volunteer",)]


@pytest.mark.parametrize("typed", [["王芳，李娜"], ["王芳、李娜"], ["王芳,李娜"], ["王芳 李娜"], ["王芳，", "李娜"]])
def test_a_list_of_children_separated_as_people_type_it(lbc, db, typed):
    first, second = _enroll(lbc, "王芳"), _enroll(lbc, "李娜")
    done = lbc("log-contact", *typed, "--kind", "home-visit", "--date", "2024-02-01")
    assert done.code == 0, done.err
    assert sorted(rows(db, "SELECT child_id FROM contacts")) == [(first,), (second,)]


@pytest.mark.parametrize("label", ["监护人电话", "guardian phone", "guardian_phone", "guardian-phone"])
def test_clear_takes_a_field_s_label(lbc, db, label):
    child = _enroll(lbc, "王芳", "--guardian-phone", "13800001234")
    done = lbc("child", "update", str(child), "--clear", label)
    assert done.code == 0, done.err
    assert rows(db, "SELECT guardian_phone FROM children WHERE id = ?", child) == [(None,)]


def test_clear_of_a_label_that_is_no_field_is_refused_in_chinese(lbc, db):
    child = _enroll(lbc, "王芳")
    done = lbc("--lang", "zh", "child", "update", str(child), "--clear", "监护人爱好")
    assert done.code == 2
    assert "监护人爱好" in done.err and "Traceback" not in done.err


def test_an_import_reads_the_relation_words(lbc, db, tmp_path):
    path = tmp_path / "children.csv"
    path.write_text(
        "name,gender,birth_date,guardian_relation,enrolled_on\n王芳,F,2014-05-06,奶奶,2024-01-01\n"
        "李娜,F,2014-05-06,舅舅,2024-01-01\n",
        encoding="utf-8",
    )
    done = lbc("import", "children", str(path))
    assert done.code == 0, done.err
    assert rows(db, "SELECT name, guardian_relation FROM children ORDER BY id") == [
        ("王芳", "grandparent"),
        ("李娜", "relative"),
    ]


@pytest.mark.parametrize("typed", ["，", "、", " ", ""])
def test_a_list_of_children_that_names_no_one_is_refused_not_read_as_everyone(lbc, db, typed):
    """Found from outside: `log-contact "，" --village 乙村` logged a contact with every child of the village."""
    _enroll(lbc, "王芳", "--village", "乙村")
    done = lbc(
        "--lang", "zh", "log-contact", typed, "--village", "乙村", "--kind", "home-visit", "--date", "2024-02-01"
    )
    assert done.code == 2
    assert len(done.err.strip().splitlines()) == 1 and "CHILDREN" in done.err
    assert rows(db, "SELECT count(*) FROM contacts") == [(0,)]


@pytest.mark.parametrize(
    "typed", ["困难留守儿童，独居", "困难留守儿童、独居", "hardship,lives-alone", "困难留守儿童；独居"]
)
def test_flags_separated_by_a_chinese_comma(lbc, db, typed):
    """Found from outside: `--flag "困难留守儿童，独居"` was refused (the comma only in its ASCII form)."""
    child = _enroll(lbc, "王芳", "--flag", typed)
    assert rows(db, "SELECT flags FROM children WHERE id = ?", child) == [("hardship;lives-alone",)]
