"""Names as people read and type them (issue 20 items 5, 6, 9 and the rest of 4; SPEC section 10).

Every expected value is worked out by hand: a surname's reading from data/surnames.tsv (单 shàn, 曾 zēng, 欧阳 ōu yáng),
a given name's from the phrase it is (长江 cháng jiāng, 朝阳 zhāo yáng), initials the first letters of those."""

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import rows

from lbc_cli.pinyin import derived, name_keys

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _enroll(lbc, name: str, *args: str) -> int:
    done = lbc(
        "enroll", name, "--gender", "F", "--birth", "2014-05-06", "--enrolled-on", "2024-01-01",
        "--consent-on", "2024-01-01", *args,
    )  # fmt: skip
    assert done.code == 0, done.err
    return int(done.out.strip())


# ---- item 9: pinyin ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "pinyin", "initials"),
    [
        ("李长江", "li chang jiang", "lcj"),  # 长江: the phrase, not 长's first reading zhǎng
        ("王重阳", "wang chong yang", "wcy"),  # 重阳, not zhòng
        ("陈朝阳", "chen zhao yang", "czy"),  # 朝阳 zhāo yáng, not cháo
        ("赵银行", "zhao yin hang", "zyh"),  # 银行 yín háng, not xíng
        ("单田芳", "shan tian fang", "stf"),  # the surname 单 shàn, not dān
        ("曾国藩", "zeng guo fan", "zgf"),  # 曾 zēng, not céng
        ("解放", "xie fang", "xf"),
        ("区明", "ou ming", "om"),
        ("仇英", "qiu ying", "qy"),
        ("朴树", "piao shu", "ps"),
        ("查良镛", "zha liang yong", "zly"),
        ("翟丽", "zhai li", "zl"),
        ("盖聂", "ge nie", "gn"),
        ("乐嘉", "yue jia", "yj"),
        ("欧阳明轩", "ou yang ming xuan", "oymx"),
        ("司马光", "si ma guang", "smg"),
        ("诸葛亮", "zhu ge liang", "zgl"),
        ("上官婉儿", "shang guan wan er", "sgwe"),
        ("尉迟恭", "yu chi gong", "ycg"),  # 尉迟 yù chí; the surname 尉 alone is wèi
        ("尉飞", "wei fei", "wf"),
        ("长孙无忌", "zhang sun wu ji", "zswj"),  # 长孙 zhǎng sūn
        ("令狐冲", "ling hu chong", "lhc"),
        ("张三丰", "zhang san feng", "zsf"),
    ],
)
def test_a_name_is_read_as_a_person_reads_it(name, pinyin, initials):
    assert name_keys(name) == (pinyin, initials)


def test_two_characters_that_are_a_compound_surname_alone_are_a_surname_and_a_given_name():
    # 单于 alone: the surname 单 shàn and the given name 于 yú (a compound surname needs a given name after it)
    assert name_keys("单于") == ("shan yu", "sy")


def test_the_other_readings_are_kept_for_lookups():
    # 长 cháng|zhǎng:李长江 typed as li zhang jiang is found too
    assert derived("李长江") == {
        "name_pinyin": "li chang jiang",
        "name_initials": "lcj",
        "name_variants": " lzj lizhangjiang ",
    }
    assert derived("张三丰")["name_variants"] == ""  # no character with a second reading


def test_the_phrase_table_reads_given_names_as_pypinyin_does():
    """The compact table (data/name_phrases.tsv) against pypinyin's own phrase-aware conversion, for the given names
    of the issue and every two-character phrase of pypinyin's data."""
    pypinyin = pytest.importorskip("pypinyin")
    from pypinyin.phrases_dict import phrases_dict

    from lbc_cli import pinyin

    given = [p for p in phrases_dict if len(p) == 2] + ["长江", "重阳", "朝阳", "银行", "乐乐"]
    differ = [g for g in given if pinyin._given(g) != [pinyin._plain(s[0]) for s in pypinyin.pinyin(g)]]
    assert differ == []


def test_children_are_listed_and_found_by_the_right_pinyin(lbc, db):
    # by hand: chen zhao yang < li chang jiang < shan tian fang < wang chong yang < zeng guo fan < zhao yin hang
    for name in ["赵银行", "李长江", "曾国藩", "王重阳", "单田芳", "陈朝阳"]:
        _enroll(lbc, name)
    listed = lbc("child", "list", "--format", "csv")
    assert [line.split(",")[1] for line in listed.out.splitlines()[1:]] == [
        "陈朝阳", "李长江", "单田芳", "王重阳", "曾国藩", "赵银行",
    ]  # fmt: skip
    assert lbc("child", "show", "lcj").out.splitlines()[0].endswith("李长江]")
    assert lbc("child", "show", "lzj").out.splitlines()[0].endswith("李长江]")  # the other reading of 长
    assert lbc("child", "show", "lizhangjiang").out.splitlines()[0].endswith("李长江]")
    assert lbc("child", "show", "dtf").out.splitlines()[0].endswith("单田芳]")  # 单 as dān, as people may type it
    assert rows(db, "SELECT name_pinyin, name_initials FROM children WHERE name = '赵银行'") == [
        ("zhao yin hang", "zyh")
    ]


def test_a_helper_s_name_is_read_the_same_way(lbc, db):
    assert lbc("helper", "add", "曾长江", "--role", "volunteer").code == 0
    assert rows(db, "SELECT name_pinyin, name_initials FROM helpers") == [("zeng chang jiang", "zcj")]


def test_an_import_reads_names_the_same_way(lbc, db, tmp_path):
    path = tmp_path / "children.csv"
    path.write_text("name,gender,birth_date\n李长江,F,2014-05-06\n欧阳明轩,M,2014-05-06\n", encoding="utf-8")
    assert lbc("import", "children", str(path)).code == 0
    assert rows(db, "SELECT name, name_pinyin, name_initials, name_variants FROM children ORDER BY id") == [
        ("李长江", "li chang jiang", "lcj", " lzj lizhangjiang "),
        ("欧阳明轩", "ou yang ming xuan", "oymx", " ouyangmengxuan "),  # 明 míng|mèng
    ]


@pytest.mark.sqlite_only("the released schema fixtures are SQLite files")
def test_schema_6_works_the_stored_pinyin_out_again(run, tmp_path):
    path = tmp_path / "v5.db"
    shutil.copy(FIXTURES / "schema_v5.db", path)
    with sqlite3.connect(path) as connection:  # as schema 5 read it: 长 by its first reading
        connection.execute(
            "UPDATE children SET name = '李长江', name_pinyin = 'li zhang jiang', name_initials = 'lzj' WHERE id = "
            "(SELECT min(id) FROM children)"
        )
    connection.close()
    assert run("db", "check", db=path).code == 0
    assert rows(path, "SELECT name_pinyin, name_initials, name_variants FROM children WHERE name = '李长江'") == [
        ("li chang jiang", "lcj", " lzj lizhangjiang ")
    ]
    assert run("child", "show", "lcj", db=path).code == 0


# ---- item 5: did you mean -------------------------------------------------------------------------------------------


def test_a_child_not_found_names_the_close_ones_in_chinese(lbc, db):
    first = _enroll(lbc, "王小红")
    done = lbc("--lang", "zh", "child", "show", "王晓红")  # the same pinyin: wang xiao hong
    assert done.code == 1
    assert done.err.strip() == f"lbc: 错误：找不到儿童“王晓红”；是不是：王小红（{first}）？"


def test_a_child_not_found_names_the_close_ones_in_english(lbc, db):
    first = _enroll(lbc, "王小红")
    second = _enroll(lbc, "王小虹")  # wang xiao hong too
    _enroll(lbc, "李娜")  # nothing like it
    done = lbc("child", "show", "王晓红")
    assert done.code == 1
    assert done.err.strip() == f'lbc: error: no child "王晓红"; did you mean: 王小红 ({first}), 王小虹 ({second})?'


def test_one_character_apart_and_same_initials_come_after_the_same_pinyin(lbc, db):
    apart = _enroll(lbc, "王晓明")  # one character from 王晓红 (明 for 红)
    initials = _enroll(lbc, "吴晓辉")  # wxh, the initials of 王晓红
    same = _enroll(lbc, "王小红")  # the same pinyin
    _enroll(lbc, "王大明")  # two characters apart, other initials
    done = lbc("child", "show", "王晓红")
    assert f"did you mean: 王小红 ({same}), 王晓明 ({apart}), 吴晓辉 ({initials})?" in done.err


def test_at_most_three_close_ones(lbc, db):
    ids = [_enroll(lbc, name) for name in ["王小红", "王小虹", "王晓虹", "汪小红"]]  # all wang xiao hong
    done = lbc("child", "show", "王晓红")
    assert done.err.strip().endswith(f"王小红 ({ids[0]}), 王小虹 ({ids[1]}), 王晓虹 ({ids[2]})?")


def test_initials_one_letter_apart(lbc, db):
    child = _enroll(lbc, "李长江")
    assert lbc("child", "show", "lcx").err.strip().endswith(f"did you mean: 李长江 ({child})?")


def test_nothing_close_keeps_the_plain_message(lbc, db):
    _enroll(lbc, "李娜")
    done = lbc("child", "show", "张三丰")
    assert (done.code, done.err.strip()) == (1, "lbc: error: no child '张三丰'")
    assert lbc("child", "show", "99").err.strip() == "lbc: error: no child '99'"


def test_a_helper_not_found_names_the_close_ones(lbc, db):
    assert lbc("helper", "add", "刘晓梅", "--role", "volunteer").code == 0
    _enroll(lbc, "王芳")
    done = lbc("--lang", "zh", "pair", "王芳", "刘小梅")
    assert done.code == 1
    assert done.err.strip() == "lbc: 错误：找不到帮扶人“刘小梅”；是不是：刘晓梅（1）？"
    assert rows(db, "SELECT count(*) FROM pairings") == [(0,)]


def test_a_village_filter_that_matches_nothing_names_the_close_villages(lbc, db):
    _enroll(lbc, "王芳", "--village", "东庄村")
    done = lbc("--lang", "zh", "child", "list", "--village", "东装村", "--format", "csv")
    assert done.code == 0
    assert done.out.splitlines()[1:] == []  # the header only, as for any list that matches nothing
    assert done.err.strip() == "警告：找不到村“东装村”；是不是：东庄村？"  # dong zhuang cun: the same pinyin
    english = lbc("helper", "list", "--village", "东庄")  # one character apart (村 left out)
    assert english.err.strip() == 'warning: no village "东庄"; did you mean: 东庄村?'
    assert lbc("child", "list", "--village", "东庄村").err == ""  # a village of the register: no hint


def test_a_contact_for_a_village_that_matches_nothing_names_the_close_one(lbc, db):
    _enroll(lbc, "王芳", "--village", "东庄村")
    done = lbc("log-contact", "--village", "东庄", "--kind", "home-visit", "--date", "2024-02-01")
    assert (done.code, done.err.strip()) == (1, 'lbc: error: no village "东庄"; did you mean: 东庄村?')


def test_a_new_village_one_character_from_another_is_warned_about_once(lbc, db):
    _enroll(lbc, "王芳", "--village", "东庄村")
    done = lbc("--lang", "zh", "enroll", "李娜", "--gender", "F", "--birth", "2014-05-06", "--village", "西庄村",
               "--consent-on", "2024-01-01")  # fmt: skip
    assert done.code == 0  # neighbours such as 东庄村 and 西庄村 are real: never refused
    assert done.err.strip() == "警告：“西庄村”是新的村名；已有只差一个字的村：东庄村（请核对是否写错）"
    again = lbc("enroll", "赵四", "--gender", "F", "--birth", "2014-05-06", "--village", "西庄村",
                "--consent-on", "2024-01-01")  # fmt: skip
    assert again.err == ""  # 西庄村 is in the register now
    assert rows(db, "SELECT name, village FROM children ORDER BY id") == [
        ("王芳", "东庄村"), ("李娜", "西庄村"), ("赵四", "西庄村"),
    ]  # fmt: skip


def test_the_new_village_warning_on_updates_helpers_and_imports(lbc, db, tmp_path):
    child = _enroll(lbc, "王芳", "--village", "东庄村")
    moved = lbc("child", "update", str(child), "--village", "南庄村")
    assert 'warning: "南庄村" is a new village; villages one character apart: 东庄村' in moved.err
    helper = lbc("helper", "add", "刘老师", "--role", "volunteer", "--village", "北庄村")
    assert 'warning: "北庄村" is a new village; villages one character apart: 南庄村' in helper.err
    assert "warning" not in lbc("helper", "update", "刘老师", "--village", "西庄").err  # nothing one character away
    path = tmp_path / "children.csv"
    path.write_text(
        "name,gender,birth_date,village\n李娜,F,2014-05-06,西庄村\n赵四,F,2014-05-06,西庄村\n"
        "钱七,F,2014-05-06,东庄村\n",
        encoding="utf-8",
    )
    done = lbc("import", "children", str(path))
    assert done.code == 0, done.err
    warnings = [line for line in done.err.splitlines() if "warning" in line]
    # the register's villages before the file: 南庄村 (the child's) and 西庄 (the helper's); 东庄村 is no one's now
    assert warnings == [
        'warning: "东庄村" is a new village; villages one character apart: 南庄村 (check it is not a typo)',
        'warning: "西庄村" is a new village; villages one character apart: 南庄村, 西庄 (check it is not a typo)',
    ]


# ---- item 6: pair --class SCHOOL/GRADE/CLASS ------------------------------------------------------------------------


def _pupils(lbc) -> dict[int, list[int]]:
    """Pupils of 中心小学 "5班" in grades 4, 5 (two) and 8 (初二), and one of 3班."""
    pupils: dict[int, list[int]] = {}
    for index, grade in enumerate([4, 5, 5, 8]):
        child = _enroll(lbc, f"学生{index}", "--school", "中心小学", "--grade", str(grade), "--class", "5班")
        pupils.setdefault(grade, []).append(child)
    _enroll(lbc, "学生九", "--school", "中心小学", "--grade", "5", "--class", "3班")
    assert lbc("helper", "add", "刘老师", "--role", "class-teacher").code == 0
    return pupils


@pytest.mark.parametrize("grade", ["5", "五年级", "5年级", "小学五年级"])
def test_pair_one_class_of_one_grade(lbc, db, grade):
    pupils = _pupils(lbc)
    done = lbc("pair", "--class", f"中心小学/{grade}/5班", "刘老师", "--since", "2024-09-01")
    assert done.code == 0, done.err
    assert sorted(rows(db, "SELECT child_id FROM pairings")) == [(c,) for c in pupils[5]]
    assert "paired 刘老师 with 2 children of 中心小学 grade 5 5班; 0 were already paired" in done.err


def test_pair_a_junior_class_by_its_chinese_name(lbc, db):
    pupils = _pupils(lbc)
    assert lbc("pair", "--class", "中心小学/初二/5班", "刘老师", "--since", "2024-09-01").code == 0
    assert rows(db, "SELECT child_id FROM pairings") == [(pupils[8][0],)]


def test_the_two_part_form_is_refused_when_several_grades_share_the_class(lbc, db):
    _pupils(lbc)
    done = lbc("--lang", "zh", "pair", "--class", "中心小学/5班", "刘老师")
    assert done.code == 1
    assert done.err.strip() == (
        "lbc: 错误：中心小学 的“5班”有几个年级的学生：4、5、8；请指定年级，如 --class 中心小学/4/5班"
    )
    assert rows(db, "SELECT count(*) FROM pairings") == [(0,)]
    one_grade = lbc("pair", "--class", "中心小学/3班", "刘老师", "--since", "2024-09-01")  # only grade 5 has 3班
    assert one_grade.code == 0, one_grade.err
    assert rows(db, "SELECT count(*) FROM pairings") == [(1,)]


@pytest.mark.parametrize("grade", ["初五", "13", "十三年级", "高"])
def test_a_grade_that_is_none_is_a_usage_error(lbc, db, grade):
    _pupils(lbc)
    done = lbc("pair", "--class", f"中心小学/{grade}/5班", "刘老师")
    assert done.code == 2
    assert f"--class: '{grade}' is not a grade" in done.err


def test_a_grade_with_no_such_class_is_refused(lbc, db):
    _pupils(lbc)
    done = lbc("--lang", "zh", "pair", "--class", "中心小学/6/5班", "刘老师")
    assert (done.code, done.err.strip()) == (1, "lbc: 错误：中心小学 6年级5班 没有在册儿童")


# ---- the rest of item 4 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "away"), [("父亲", "father"), ("爸爸", "father"), ("母亲", "mother"), ("妈妈", "mother")]
)
def test_the_parent_at_home_cannot_be_the_one_away(lbc, db, word, away):
    done = lbc("--lang", "zh", "enroll", "王芳", "--gender", "F", "--birth", "2014-05-06",
               "--guardian-relation", word, "--away", away)  # fmt: skip
    assert done.code == 1
    assert len(done.err.strip().splitlines()) == 1 and "--away" in done.err and word in done.err
    assert rows(db, "SELECT count(*) FROM children") == [(0,)]
    child = _enroll(lbc, "李娜")
    update = lbc("child", "update", str(child), "--guardian-relation", word, "--away", away)
    assert update.code == 1
    assert rows(db, "SELECT guardian_relation, father_away, mother_away FROM children") == [(None, True, True)]


def test_an_import_reads_the_other_parent_away_from_the_relation_word(lbc, db, tmp_path):
    path = tmp_path / "children.csv"
    path.write_text(
        "name,gender,birth_date,guardian_relation,father_away,mother_away\n"
        "王芳,F,2014-05-06,父亲,,\n"  # the father at home: the mother away
        "李娜,F,2014-05-06,妈妈,,\n"  # the mother at home: the father away
        "赵四,F,2014-05-06,父亲,1,1\n"  # the cells say otherwise: both away, as --away both
        "钱七,F,2014-05-06,奶奶,,\n",  # no parent named: empty cells are "no", as before
        encoding="utf-8",
    )
    done = lbc("import", "children", str(path))
    assert done.code == 0, done.err
    assert rows(db, "SELECT name, guardian_relation, father_away, mother_away FROM children ORDER BY id") == [
        ("王芳", "parent", False, True),
        ("李娜", "parent", True, False),
        ("赵四", "parent", True, True),
        ("钱七", "grandparent", False, False),
    ]


def test_an_import_row_with_the_parent_at_home_away_is_refused(lbc, db, tmp_path):
    path = tmp_path / "children.csv"
    path.write_text(
        "name,gender,birth_date,guardian_relation,father_away,mother_away\n王芳,F,2014-05-06,父亲,1,0\n",
        encoding="utf-8",
    )
    done = lbc("import", "children", str(path))
    assert done.code == 1
    assert "children.csv:2: guardian_relation: the guardian 父亲 is the parent at home" in done.err
    assert rows(db, "SELECT count(*) FROM children") == [(0,)]


def test_the_clear_refusal_lists_the_fields_by_their_chinese_labels(lbc, db):
    child = _enroll(lbc, "王芳")
    done = lbc("--lang", "zh", "child", "update", str(child), "--clear", "监护人爱好")
    assert done.code == 2
    assert "监护人电话" in done.err and "guardian_phone" not in done.err
    english = lbc("child", "update", str(child), "--clear", "hobby")
    assert "guardian_phone" in english.err


def test_remind_and_export_for_a_village_that_matches_nothing_name_the_close_one(lbc, db):
    _enroll(lbc, "王芳", "--village", "东庄村")
    remind = lbc("remind", "--village", "东装村", "--format", "csv", "--as-of", "2024-03-01")
    assert remind.code == 0
    assert [line for line in remind.out.splitlines()[1:] if line.split(",")[0]] == []  # no child's work
    assert remind.err.strip() == 'warning: no village "东装村"; did you mean: 东庄村?'
    assert lbc("remind", "--village", "东", "--format", "csv", "--as-of", "2024-03-01").err == ""  # a township
    export = lbc("export", "children", "--village", "东装村")
    assert (export.code, len(export.out.splitlines())) == (0, 1)  # the header only
    assert export.err.strip() == 'warning: no village "东装村"; did you mean: 东庄村?'


def test_remind_for_a_village_nothing_is_close_to_says_no_such_village_not_nothing_due(lbc, db):
    """Found from outside: `remind --village 不存在村` read as "nothing due", silently: a misspelt village far from
    any other must not pass for an all-clear (in both languages; the text, CSV and --send alike)."""
    _enroll(lbc, "王芳", "--village", "东庄村")
    for extra in ([], ["--format", "csv"]):
        english = lbc("remind", "--village", "不存在村", *extra)
        assert english.code == 0
        said = 'warning: no village "不存在村" is in the register, nor one whose name starts with it'
        assert english.err.strip() == said
    chinese = lbc("--lang", "zh", "remind", "--village", "不存在村")
    assert chinese.err.strip() == "警告：找不到村“不存在村”：登记中没有这个村，也没有以它开头的村名"
    assert lbc("remind", "--village", "东庄村").err == ""  # a village of the register: nothing to say


def test_a_village_filter_reads_the_name_as_typed_with_spaces_around_it(run, tmp_path):
    """Found from outside: `--village "李家村 "` (a space, or a full-width one, around the name) listed nobody and
    said nothing, though enroll stores the name without them."""
    db = tmp_path / "v.db"
    assert run("init", db=db).code == 0
    assert run("enroll", "张三", "--gender", "M", "--birth", "2015-03-04", "--village", "李家村", db=db).code == 0
    for typed in ("李家村 ", "\u3000李家村", " 李家村"):
        listed = run("child", "list", "--village", typed, "--format", "csv", db=db)
        assert listed.code == 0 and "张三" in listed.out, (typed, listed)
