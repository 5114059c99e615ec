"""lbc report plan/summary/child/month (SPEC section 7): the figures by hand, the seed's blanks, the renderings.

One small roster is built through the CLI (``ROSTER``, by the ``roster`` fixture) and copied into each test's database.
Every expected figure below is worked out by hand from that roster in the comments; nothing is computed by
calling lbc's own code.

The roster (``ROSTER``; children enrolled 2024-01-10 with consent 2024-01-05 unless said otherwise):

- 张小明 M 2012-05-01 东村 junior; complete archive (both parents away, both places), phones and an id number;
  paired with 王老师 (class teacher) from 2024-01-15.
- 李小红 F 2016-08-20 西村 primary; complete (only the father away); hardship; paired with 刘妈妈.
- 王小刚 M 2010-02-14 东村 junior, updated to dropout (now); mother away without a work place; problem; 刘妈妈.
- 赵小丽 F 2019-03-03 西村 preschool; no guardian phone; guardian rating poor; dibao; paired with 陈书记.
- 陈小军 M 2008-07-01 南村 senior; complete; dropout-risk, single-parent; 陈书记 2024-01-15 to 2024-05-01.
- 刘小芳 F 2013-11-11 东村 primary; left the programme 2024-02-20 (moved).
- 孙小美 F 2014-06-01 南村 primary; no care agreement; enrolled 2024-04-01; never paired.
- 周小宝 M 2018-05-31 南村 preschool; complete; lives-alone; paired with 王老师 only from 2024-06-10.
"""

import json
import re
import shlex
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import copy_db, execute, new_target
from markdown_it import MarkdownIt

from lbc_cli.rules import rates

# ---- the roster --------------------------------------------------------------------------------


def id_number(prefix17: str) -> str:
    """A GB 11643 id number: the 17 digits and their check digit (weights 2^(17-i) mod 11, map 10X98765432)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(prefix17, weights, strict=True))
    return prefix17 + "10X98765432"[total % 11]


ZXM_ID = id_number("11010120120501123")  # 张小明's, born 2012-05-01

E = "--enrolled-on 2024-01-10 --consent-on 2024-01-05"
G = "--guardian-relation grandparent --care-agreement-on 2024-01-10"
# One command a line (split like a shell would).
ROSTER = f"""
enroll 张小明 --gender M --birth 2012-05-01 --village 东村 --schooling junior --guardian 张爷爷 {G} {E}
  --guardian-phone 13800138001 --guardian-rating good --father-work 广州 --mother-work 深圳
  --father-phone 13900139001 --mother-phone 13500135001 --id-number {ZXM_ID}
enroll 李小红 --gender F --birth 2016-08-20 --village 西村 --schooling primary --guardian 李奶奶 {G} {E}
  --guardian-phone 13800138002 --away father --father-work 杭州 --flag hardship
enroll 王小刚 --gender M --birth 2010-02-14 --village 东村 --schooling junior --guardian 王奶奶 {G} {E}
  --guardian-phone 13800138003 --away mother --flag problem
enroll 赵小丽 --gender F --birth 2019-03-03 --village 西村 --schooling preschool --guardian 赵爷爷 {G} {E}
  --father-work 宁波 --mother-work 宁波 --guardian-rating poor --assistance dibao
enroll 陈小军 --gender M --birth 2008-07-01 --village 南村 --schooling senior --guardian 陈叔叔 {E}
  --guardian-relation relative --care-agreement-on 2024-01-10 --guardian-phone 13800138005
  --father-work 东莞 --mother-work 东莞 --flag dropout-risk --flag single-parent
enroll 刘小芳 --gender F --birth 2013-11-11 --village 东村 --schooling primary {E}
enroll 孙小美 --gender F --birth 2014-06-01 --village 南村 --schooling primary --guardian 孙奶奶
  --guardian-relation grandparent --guardian-phone 13800138007 --father-work 上海 --mother-work 上海
  --enrolled-on 2024-04-01 --consent-on 2024-04-01
enroll 周小宝 --gender M --birth 2018-05-31 --village 南村 --schooling preschool --guardian 周爷爷 {G} {E}
  --guardian-phone 13800138008 --father-work 苏州 --mother-work 苏州 --flag lives-alone
helper add 王老师 --role class-teacher --phone 13700137001
helper add 刘妈妈 --role loving-mother --phone 13600136001
helper add 陈书记 --role village-cadre
pair 张小明 王老师 --since 2024-01-15
pair 李小红 刘妈妈 --since 2024-01-15
pair 王小刚 刘妈妈 --since 2024-01-15
pair 赵小丽 陈书记 --since 2024-01-15
pair 陈小军 陈书记 --since 2024-01-15
pair end 陈小军 陈书记 --date 2024-05-01
pair 周小宝 王老师 --since 2024-06-10
child exit 刘小芳 --reason moved --date 2024-02-20
log-contact 张小明 --kind video-call --date 2024-03-04 --helper 王老师
log-contact 张小明 --kind video-call --date 2024-03-12 --helper 王老师
log-contact 张小明 --kind video-call --date 2024-03-20 --helper 王老师 --no-answer
log-contact 张小明 --kind video-call --date 2024-04-20 --helper 王老师
log-contact 李小红 --kind phone-call --date 2024-03-05 --helper 刘妈妈
log-contact 李小红 --kind video-call --date 2024-03-18 --helper 刘妈妈 --with guardian
log-contact 李小红 --kind home-visit --date 2024-04-10 --helper 刘妈妈
log-contact 王小刚 --kind aid --date 2024-04-10 --helper 刘妈妈 --note 书包
log-contact 王小刚 --kind aid --date 2024-05-20 --helper 刘妈妈
log-contact 赵小丽 --kind aid --date 2024-05-05 --helper 陈书记
log-contact 赵小丽 --kind phone-call --date 2024-04-25 --helper 陈书记 --no-answer
log-contact 陈小军 --kind parent-feedback --date 2024-05-10 --helper 陈书记
log-contact 刘小芳 --kind video-call --date 2024-02-01
log-contact 孙小美 --kind activity --date 2024-04-15 --helper 陈书记
log-contact 张小明 --kind school-visit --date 2024-06-05 --helper 王老师
exam add 张小明 --year 2023 --term 1 --rank 8 --class-size 40
exam add 张小明 --year 2023 --term 2 --rank 1 --class-size 40 --merit-student
child update 王小刚 --schooling dropout
"""
# video-call, phone-call and parent-feedback default to --with parent. The exams are of the school year 2023
# (Sep 2023 - Aug 2024). The last line is recorded now: the audit log's time is the real time.


def roster_commands() -> list[list[str]]:
    """ROSTER's commands: a line that starts with spaces continues the one above."""
    commands: list[list[str]] = []
    for line in ROSTER.strip("\n").splitlines():
        if line.startswith(" "):
            commands[-1] += shlex.split(line)
        else:
            commands.append(shlex.split(line))
    return commands


# The fixed period of the hand-computed summary: 2024-03-01 .. 2024-05-31, as of 2024-06-30,
# so the reference date is min(--to, --as-of) = 2024-05-31.
PERIOD = ["--from", "2024-03-01", "--to", "2024-05-31", "--as-of", "2024-06-30"]


_copy_db = copy_db


@pytest.fixture(scope="module")
def _master(tmp_path_factory) -> dict:
    return {"dir": tmp_path_factory.mktemp("roster"), "path": None}


@pytest.fixture
def roster(run, tmp_path, _master) -> Path:
    """A database holding the roster above (built once through the CLI, copied for each test)."""
    if _master["path"] is None:
        building = new_target(_master["dir"] / "building.db", keep=True)
        assert run("init", db=building).code == 0
        for argv in roster_commands():
            result = run(*argv, db=building)
            assert result.code == 0, (argv, result.err)
        _master["path"] = _copy_db(building, _master["dir"] / "master.db", keep=True)
    return _copy_db(_master["path"], tmp_path / "lbc.db")


@pytest.fixture
def rep(run, roster):
    """run() bound to a copy of the roster."""

    def invoke(*args: str):
        return run(*args, db=roster)

    return invoke


def ok(result):
    assert result.code == 0, result.err
    return result


def as_json(result) -> dict:
    return json.loads(ok(result).out)


# ---- Markdown helpers --------------------------------------------------------------------------


def md_tokens(text: str):
    return MarkdownIt("commonmark").enable("table").parse(text)


def table_count(tokens) -> int:
    return sum(1 for t in tokens if t.type == "table_open")


def check_tables(text: str) -> int:
    """Every line that starts with '|' became part of a GFM table: the rows parsed (tr_open) equal the pipe
    lines less one delimiter line per table. Returns the number of tables."""
    tokens = md_tokens(text)
    tables = table_count(tokens)
    rows = sum(1 for t in tokens if t.type == "tr_open")
    pipe_lines = [line for line in text.splitlines() if line.startswith("|")]
    delimiters = [line for line in pipe_lines if re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line)]
    assert len(delimiters) == tables
    assert rows == len(pipe_lines) - tables
    return tables


def mermaid_pie(text: str) -> dict[str, int]:
    """The one ```mermaid block naming the chart of contacts by kind (SPEC section 11: its first line
    `%% chart: contacts_by_kind`): then `pie`, each further line is `    "label" : n`."""
    fences = [t for t in md_tokens(text) if t.type == "fence" and t.info.strip() == "mermaid"]
    fences = [t for t in fences if t.content.startswith("%% chart: contacts_by_kind\n")]
    assert len(fences) == 1
    lines = fences[0].content.rstrip("\n").split("\n")[1:]
    assert lines[0].startswith("pie")
    data = {}
    for line in lines[1:]:
        match = re.fullmatch(r'\s+"([^"]+)" : (\d+)', line)
        assert match, line
        data[match[1]] = int(match[2])
    return data


# ---- the summary's figures, by hand -------------------------------------------------------------


def test_summary_figures_by_hand(rep):
    ctx = as_json(rep("report", "summary", "--format", "json", *PERIOD))
    assert (ctx["period_start"], ctx["period_end"], ctx["as_of"]) == ("2024-03-01", "2024-05-31", "2024-05-31")
    # Active on 2024-05-31: everyone but 刘小芳 (exited 2024-02-20); 孙小美 enrolled 2024-04-01 is in.
    assert ctx["children_active"] == 7
    # Priority: 李小红 (hardship), 王小刚 (problem), 赵小丽 (guardian poor), 周小宝 (lives-alone);
    # 陈小军's dropout-risk and single-parent do not make a priority child.
    assert ctx["children_priority"] == 4
    assert sorted(c["name"] for c in ctx["priority_children"]) == sorted(["李小红", "王小刚", "赵小丽", "周小宝"])
    # Paired on 2024-05-31: 张小明, 李小红, 王小刚, 赵小丽. Not 陈小军 (ended 2024-05-01), 周小宝 (from 06-10),
    # 孙小美 (never). 4 / 7.
    assert ctx["paired_rate"] == pytest.approx(4 / 7)
    # Complete archives: 张小明, 李小红 (only the father is away: his place is enough), 陈小军, 周小宝.
    # Incomplete: 王小刚 (mother away, no work place), 赵小丽 (no guardian phone), 孙小美 (no care agreement). 4 / 7.
    assert ctx["archive_complete_rate"] == pytest.approx(4 / 7)
    missing = {c["name"]: c["missing"] for c in ctx["incomplete_records"]}
    assert missing == {
        "王小刚": ["mother_work_place"],
        "赵小丽": ["guardian_phone"],
        "孙小美": ["care_agreement_on"],
    }
    # Ages on 2024-05-31: 张小明 12, 李小红 7, 王小刚 14, 赵小丽 5, 陈小军 15 (16 only on 07-01),
    # 孙小美 9, 周小宝 6 (his birthday that day). Aged 6-15: all but 赵小丽 = 6. In school (primary/junior/
    # senior/vocational) now: 张小明, 李小红, 陈小军, 孙小美 = 4 (王小刚 is dropout, 周小宝 preschool). 4 / 6.
    assert ctx["in_school_rate"] == pytest.approx(4 / 6)
    assert (ctx["counts"]["school_age"], ctx["counts"]["in_school"]) == (6, 4)
    assert [row["count"] for row in ctx["by_age"]] == [1, 3, 2, 1]  # 0-5, 6-11, 12-14, 15-17
    # Retention: in the programme on 2024-03-01 and enrolled by then: everyone active but 孙小美, who counts
    # from her enrolment on 2024-04-01 (SPEC section 10). In school then: 张小明, 李小红, 陈小军 and 王小刚
    # (junior: his drop-out was recorded after the period, so the audit log's old value holds), and 孙小美
    # (primary) = 5; none recorded dropping out in the period. 5 / 5.
    assert ctx["retention_rate"] == 1.0
    assert (ctx["counts"]["in_school_at_start"], ctx["counts"]["retained"]) == (5, 5)
    # Contacts 2024-03-01..2024-05-31 that reached someone (attempts of 03-20 and 04-25 apart; 刘小芳's of
    # 02-01 and the school visit of 06-05 outside): video-call 张小明 03-04, 03-12, 04-20 + 李小红 03-18 = 4;
    # phone-call 李小红 03-05; home-visit 李小红 04-10; aid 王小刚 04-10, 05-20, 赵小丽 05-05 = 3;
    # parent-feedback 陈小军 05-10; activity 孙小美 04-15.
    assert ctx["contacts_by_kind"] == {
        "video-call": 4,
        "phone-call": 1,
        "home-visit": 1,
        "aid": 3,
        "parent-feedback": 1,
        "activity": 1,
    }
    assert ctx["contacts_total"] == 11
    assert ctx["contact_attempts"] == 2
    # By month: March 03-04, 03-05, 03-12, 03-18 = 4; April 04-10 x2, 04-15, 04-20 = 4; May 05-05, 05-10, 05-20 = 3.
    assert [(m["month"], m["total"]) for m in ctx["contacts_by_month"]] == [
        ("2024-03", 4),
        ("2024-04", 4),
        ("2024-05", 3),
    ]
    assert ctx["contacts_by_month"][0]["video-call"] == 3
    # Aid: 3 contacts to 2 children (王小刚, 赵小丽).
    assert (ctx["aid_contacts"], ctx["aid_children"]) == (3, 2)
    # weekly_contact_rate (reports.summary_context): for each active child, the period runs from
    # max(--from, enrolled_on) to the reference date; its whole weeks are (days + 1) // video_call_days (7).
    # A week counts as done when a video-call or phone-call with a parent that reached someone falls in it
    # (week number = (call date - the child's start) // 7). Rate = weeks done / weeks due.
    #   six children from 2024-03-01: (91 + 1) // 7 = 13 weeks each = 78; 孙小美 from 2024-04-01: 61 // 7 = 8.
    #   due = 86. Done: 张小明 03-04 (week 0), 03-12 (week 1), 04-20 (day 50, week 7) = 3;
    #   李小红 03-05 (week 0) = 1 (her 03-18 video call was with the guardian). done = 4.
    assert ctx["video_call_days"] == 7
    assert ctx["weekly_contact_rate"] == pytest.approx(4 / 86)
    # targets are fractions too (defaults 100%)
    assert ctx["targets"] == {"archive_rate": 1.0, "in_school_rate": 1.0, "retention_rate": 1.0}
    assert {r["key"]: r["count"] for r in ctx["by_village"]} == {"东村": 2, "西村": 2, "南村": 3}
    assert {r["key"]: r["count"] for r in ctx["by_assistance"]} == {"dibao": 1}


def test_summary_retention_counts_a_drop_out_recorded_in_the_period(rep):
    """王小刚's `child update --schooling dropout` was recorded now: a period that holds today sees it."""
    today = date.today()
    start = (today - timedelta(days=30)).isoformat()
    # a day's margin on the right: the audit log is in UTC, "today" is local
    end = (today + timedelta(days=1)).isoformat()
    ctx = as_json(rep("report", "summary", "--format", "json", "--from", start, "--to", end, "--as-of", end))
    # In the programme at the start (all enrolled in 2024, 刘小芳 exited): 张小明, 李小红, 王小刚, 赵小丽,
    # 陈小军, 孙小美, 周小宝. In school then: 张小明 junior, 李小红 primary, 王小刚 junior (the audit's old
    # value), 陈小军 senior, 孙小美 primary = 5; 王小刚 dropped out in the period: 4 / 5.
    assert (ctx["counts"]["in_school_at_start"], ctx["counts"]["retained"]) == (5, 4)
    assert ctx["retention_rate"] == pytest.approx(0.8)

    # A period that ended two days ago does not see the drop-out.
    before = (today - timedelta(days=2)).isoformat()
    ctx = as_json(rep("report", "summary", "--format", "json", "--from", start, "--to", before, "--as-of", before))
    assert (ctx["counts"]["in_school_at_start"], ctx["counts"]["retained"]) == (5, 5)
    assert ctx["retention_rate"] == 1.0


def test_summary_year_assessment_and_awards(rep):
    """--year 2024 assesses the school year that ends in it (2023: Sep 2023 - Aug 2024)."""
    ctx = as_json(rep("report", "summary", "--year", "2024", "--as-of", "2025-01-15", "--format", "json"))
    assert ctx["year"] == 2024
    assert (ctx["period_start"], ctx["period_end"], ctx["as_of"]) == ("2024-01-01", "2024-12-31", "2024-12-31")
    assert ctx["assessment_year"] == 2023
    # 张小明: baseline = term-1 rank 8 (no 2022 term 2), rank 1: rank points 7, keep 5 (8 and 1 <= 10),
    # conduct 2, merit 5 = 19.
    (child,) = ctx["assessment"]["children"]
    assert (child["name"], child["score"]) == ("张小明", 19)
    # awards: first place 100, progress (8 - 1 = 7 >= 5) 30 = 130
    assert sorted((a["name"], a["award"], float(a["yuan"])) for a in ctx["assessment"]["awards"]) == [
        ("张小明", "first-place", 100.0),
        ("张小明", "progress", 30.0),
    ]
    assert float(ctx["assessment"]["award_yuan"]) == 130.0
    # 王老师 (class teacher): mean over his scored children (张小明 only; 周小宝 has no rank) = 19
    teacher = next(h for h in ctx["assessment"]["helpers"] if h["name"] == "王老师")
    assert float(teacher["score"]) == 19.0
    md = ok(rep("report", "summary", "--year", "2024", "--as-of", "2025-01-15")).out
    assert md.startswith("# Care work summary, 2024")
    assert "| 张小明 | first place | 100.00 |" in md
    zh = ok(rep("--lang", "zh", "report", "summary", "--year", "2024", "--as-of", "2025-01-15")).out
    assert zh.startswith("# 2024年农村留守儿童关爱工作总结")
    assert "学生奖金合计 130.00 元" in zh


def test_summary_incomplete_records_empty_text_and_parents_away(rep, roster):
    """An empty text is as missing as no value; a parent's work place is required only while the parent is away."""
    execute(roster, "UPDATE children SET guardian_phone = '' WHERE name = '张小明'")
    execute(roster, "UPDATE children SET father_work_place = '' WHERE name = '李小红'")  # her father is away
    execute(roster, "UPDATE children SET village = '', guardian_name = NULL WHERE name = '周小宝'")
    # 陈小军's mother comes home: her work place is no longer required
    execute(roster, "UPDATE children SET mother_away = ?, mother_work_place = NULL WHERE name = '陈小军'", False)
    ctx = as_json(rep("report", "summary", "--format", "json", *PERIOD))
    # In pinyin order (li, sun, wang, zhang, zhao, zhou), the fields in the order of the national form;
    # 王小刚, 赵小丽 and 孙小美 as in test_summary_figures_by_hand. Only 陈小军 is complete: 1 of 7.
    assert [(c["name"], c["missing"]) for c in ctx["incomplete_records"]] == [
        ("李小红", ["father_work_place"]),
        ("孙小美", ["care_agreement_on"]),
        ("王小刚", ["mother_work_place"]),
        ("张小明", ["guardian_phone"]),
        ("赵小丽", ["guardian_phone"]),
        ("周小宝", ["village", "guardian_name"]),
    ]
    assert ctx["counts"]["archive_complete"] == 1
    assert ctx["archive_complete_rate"] == pytest.approx(1 / 7)
    md = ok(rep("report", "summary", *PERIOD)).out
    assert "6 records still miss fields:\n- 李小红 (id 2): father's work place\n- 孙小美" in md
    assert re.search(r"^- 周小宝 \(id \d+\): village, guardian$", md, re.M)
    zh = ok(rep("--lang", "zh", "report", "summary", *PERIOD)).out
    assert re.search(r"^- 周小宝（编号 \d+）：村、监护人$", zh, re.M)


def test_weekly_compliance_by_hand():
    """Children 1 and 2 were in the programme all four weeks, child 3 only its last two (its weeks count
    from its own start). Due: 4 + 4 + 2 = 10. Done: child 1 weeks 0 and 1 (its call in week 4 is after
    its whole weeks); child 2 weeks 0 and 3; child 3 week 0 (week -1 is before its start, week 3 after its
    two); child 9 is not in the programme. 5 of 10."""
    windows = {1: 4, 2: 4, 3: 2}
    calls = {0: {1, 2, 3}, 1: {1}, 3: {2, 3}, 4: {1}, -1: {3}, 2: {9}}
    assert rates.weekly_compliance(windows, calls) == 0.5
    assert rates.weekly_compliance(windows, {}) == 0.0
    assert rates.weekly_compliance({}, {0: {1}}) is None


def test_summary_bad_period_and_format(rep):
    assert rep("report", "summary", "--from", "2024-05-01", "--to", "2024-03-01").code == 2
    result = rep("report", "summary", "--format", "xml", *PERIOD)
    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err


# ---- the plan: every blank of the seed filled ----------------------------------------------------

BLANK = re.compile(r"_\s*(%|月份|分|元|岁|周岁|名|个|多名)")
CONFIG = {
    "target_archive_rate": "95",
    "target_in_school_rate": "98",
    "target_retention_rate": "97.5",
    "top_keep_rank": "8",
    "first_place_yuan": "120",
    "excellence_yuan": "60",
    "progress_min_ranks": "4",
    "age_limit": "15",
}


def _no_blank_left(text: str) -> None:
    assert not BLANK.search(text)
    assert "_" not in text
    assert "{{" not in text and "{%" not in text


def test_plan_zh_fills_every_blank(rep):
    for key, value in CONFIG.items():
        ok(rep("config", "set", key, value))
    text = ok(rep("--lang", "zh", "report", "plan", "--year", "2025", "--as-of", "2024-06-30")).out
    _no_blank_left(text)
    assert text.startswith("# 2025年")
    # 建档率达_%; 入学率、巩固率均达_%
    assert re.search(r"建档率\D{0,6}95\.0%", text)
    assert re.search(r"入学率\D{0,6}98\.0%", text)
    assert re.search(r"巩固率\D{0,6}97\.5%", text)
    # 每上升_个名次加_分 (1, 1); 保持在班级前_名的加_分 (8, 5); 无严重违纪违法行为的另加_分 (2); 三好学生加_分 (5)
    assert re.search(r"每上升 1 名\D{0,10}加 1 分", text)
    assert re.search(r"前 8 名的加 5 分", text)
    assert re.search(r"违纪违法行为的另加 2 分", text)
    assert re.search(r"三好学生\D{0,8}加 5 分", text)
    # 考核分是多少就奖多少元 (yuan_per_point 1); 第一名奖_元 (120); 2-_名优秀奖_元 (5, 60); 进步达_名奖_元 (4, 30)
    assert re.search(r"每分奖励 1\.00 元", text)
    assert re.search(r"第一名奖励 120\.00 元", text)
    assert re.search(r"第 2 至 5 名\D{0,8}奖励 60\.00 元", text)
    assert re.search(r"进步 4 名\D{0,10}奖励 30\.00 元", text)
    # 直至_岁之前 (age_limit 15)
    assert re.search(r"年满 15 周岁之前", text)
    # 针对我班_多名留守儿童: the current figure (7 on the register on 2024-06-30, 4 priority)
    assert "在册留守儿童 7 名" in text
    assert "重点帮扶对象 4 名" in text
    # _月份: the seeded schedule's months
    for month in (3, 6, 9, 11, 12):
        assert f"**{month}月份**" in text
    assert "**1月份**" not in text


def test_plan_en_fills_every_blank(rep):
    for key, value in CONFIG.items():
        ok(rep("config", "set", key, value))
    text = ok(rep("report", "plan", "--year", "2025", "--as-of", "2024-06-30")).out
    _no_blank_left(text)
    assert re.search(r"archive rate 95\.0%", text)
    assert re.search(r"enrolment rate 98\.0%", text)
    assert re.search(r"retention rate 97\.5%", text)
    assert "top 8 earns 5" in text
    assert "turns 15" in text
    assert "120.00 yuan" in text and "60.00 yuan" in text and "gaining 4 or more places" in text
    assert "7 left-behind children on the register" in text
    for month in ("March", "June", "September", "November", "December"):
        assert f"**{month}**" in text
    assert "**January**" not in text


def test_plan_zh_database_schedule_items(run, new_db):
    """A database created in Chinese keeps the seed's schedule in Chinese, and the plan quotes it."""
    path = new_db("zh.db")
    assert run("--lang", "zh", "init", db=path).code == 0
    text = ok(run("--lang", "zh", "report", "plan", "--year", "2025", db=path)).out
    _no_blank_left(text)
    block = text.split("**3月份**")[1].split("**6月份**")[0]
    assert "建立基本信息档案" in block
    assert "召开一次留守儿童家长会" in text.split("**11月份**")[1]


def test_plan_json_context(rep):
    ok(rep("config", "set", "target_archive_rate", "95"))
    ctx = as_json(rep("report", "plan", "--year", "2025", "--as-of", "2024-06-30", "--format", "json"))
    assert ctx["year"] == 2025
    assert ctx["children_active"] == 7
    assert ctx["children_priority"] == 4
    # on 2024-06-30: 张小明, 李小红, 王小刚, 赵小丽 and 周小宝 (since 06-10) paired; 陈小军's ended
    assert ctx["pairings_active"] == 5
    assert ctx["targets"]["archive_rate"] == 0.95  # a fraction, like the rates it is measured against
    assert [block["month"] for block in ctx["schedule"]] == [3, 6, 9, 11, 12]


# ---- every report renders, in both languages, as CommonMark with GFM tables ----------------------

REPORT_ARGS = {
    "plan": ["plan", "--year", "2025", "--as-of", "2024-06-30"],
    "summary": ["summary", *PERIOD],
    "child": ["child", "张小明", "--as-of", "2024-06-30"],
    "month": ["month", "--month", "2024-04", "--as-of", "2024-06-30"],
}
# plan: none; summary: village, gender, age, flag, guardian, rates, kinds, months, assistance, priority = 10
# (no helper was paired in school year 2022, no award); child: the child, family, guardian, schooling,
# helpers, contacts = 6; month: by helper, still to do by rule, overdue, due next month = 4.
TABLES = {"plan": 0, "summary": 10, "child": 6, "month": 4}
TITLES = {
    ("plan", "zh"): "# 2025年农村留守儿童关爱工作计划",
    ("plan", "en"): "# Care plan for rural left-behind children, 2025",
    ("summary", "zh"): "# 农村留守儿童关爱工作总结",
    ("summary", "en"): "# Care work summary",
    ("child", "zh"): "# 农村留守儿童信息档案：张小明",
    ("child", "en"): "# Left-behind child's record: 张小明",
    ("month", "zh"): "# 2024-04 留守儿童关爱工作月报",
    ("month", "en"): "# Care work in 2024-04",
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("report", list(REPORT_ARGS))
def test_report_renders_as_commonmark(rep, report, lang):
    result = ok(rep("--lang", lang, "report", *REPORT_ARGS[report]))
    text = result.out
    assert text.splitlines()[0] == TITLES[report, lang]
    assert "{{" not in text and "{%" not in text
    assert check_tables(text) == TABLES[report]
    headings = [t for t in md_tokens(text) if t.type == "heading_open"]
    assert len(headings) >= 3


def test_summary_mermaid_chart_en(rep):
    pie = mermaid_pie(ok(rep("report", "summary", *PERIOD)).out)
    assert pie == {
        "video call": 4,
        "phone call": 1,
        "home visit": 1,
        "material aid": 3,
        "feedback to parents": 1,
        "activity": 1,
    }


def test_summary_mermaid_chart_zh_and_rates(rep):
    text = ok(rep("--lang", "zh", "report", "summary", *PERIOD)).out
    pie = mermaid_pie(text)
    assert pie == {"亲情视频": 4, "亲情电话": 1, "家访": 1, "物资帮扶": 3, "向父母反馈": 1, "活动": 1}
    # the rates as percentages: 4/7 = 57.1%, 4/6 = 66.7%, 4/4 = 100.0%; 4/86 = 4.7%
    assert re.search(r"\| 建档率 \| 57\.1% \|", text)
    assert re.search(r"\| 入学率 \| 66\.7% \|", text)
    assert re.search(r"\| 巩固率 \| 100\.0% \|", text)
    assert re.search(r"\| 结对覆盖率 \| 57\.1% \|", text)
    assert "按时完成率 4.7%" in text
    assert "物资帮扶 3 次，惠及 2 名儿童" in text


def test_summary_without_contacts_has_an_empty_but_well_formed_pie(lbc):
    text = ok(lbc("report", "summary", "--from", "2024-03-01", "--to", "2024-03-31", "--as-of", "2024-04-01")).out
    assert mermaid_pie(text) == {}
    check_tables(text)


# ---- the child's card ---------------------------------------------------------------------------


def test_child_card_masks_by_default(rep):
    ctx = as_json(rep("report", "child", "张小明", "--as-of", "2024-06-30", "--format", "json"))
    child = ctx["child"]
    assert child["name"] == "张小明"
    assert child["gender"] == "M"
    assert child["birth_date"] == "2012-05-01"
    assert child["village"] == "东村"
    assert child["schooling"] == "junior"
    assert child["guardian_name"] == "张爷爷"
    assert child["guardian_relation"] == "grandparent"
    assert child["care_agreement_on"] == "2024-01-10"
    assert child["consent_on"] == "2024-01-05"
    assert (child["father_work_place"], child["mother_work_place"]) == ("广州", "深圳")
    # first 3 and last 4 kept
    assert child["guardian_phone"] == "138****8001"
    assert child["father_phone"] == "139****9001"
    assert child["mother_phone"] == "135****5001"
    assert child["id_number"] == "110" + "*" * 11 + ZXM_ID[-4:]
    assert ctx["age"] == 12
    assert ctx["priority"] is False
    assert ctx["missing"] == []
    assert [(p["helper"], p["phone"], p["start_date"]) for p in ctx["pairings"]] == [
        ("王老师", "137****7001", "2024-01-15")
    ]
    # every contact, attempts included, newest first
    assert [(c["date"], c["kind"], c["no_answer"]) for c in ctx["contacts"]] == [
        ("2024-06-05", "school-visit", False),
        ("2024-04-20", "video-call", False),
        ("2024-03-20", "video-call", True),
        ("2024-03-12", "video-call", False),
        ("2024-03-04", "video-call", False),
    ]
    md = ok(rep("report", "child", "张小明", "--as-of", "2024-06-30")).out
    for secret in ("13800138001", "13900139001", "13500135001", "13700137001", ZXM_ID):
        assert secret not in md
    assert r"138\*\*\*\*8001" in md  # masked, and its stars escaped: Markdown shows them as stars
    assert "video call (no answer)" in md


def test_child_card_reveal(rep):
    ctx = as_json(rep("report", "child", "张小明", "--reveal", "--format", "json"))
    assert ctx["child"]["guardian_phone"] == "13800138001"
    assert ctx["child"]["father_phone"] == "13900139001"
    assert ctx["child"]["id_number"] == ZXM_ID
    assert ctx["pairings"][0]["phone"] == "13700137001"
    md = ok(rep("--lang", "zh", "report", "child", "张小明", "--reveal")).out
    for secret in ("13800138001", "13900139001", "13500135001", "13700137001", ZXM_ID):
        assert secret in md


def test_child_card_priority_and_missing(rep):
    ctx = as_json(rep("report", "child", "王小刚", "--as-of", "2024-06-30", "--format", "json"))
    assert ctx["priority"] is True
    assert ctx["missing"] == ["mother_work_place"]
    assert ctx["child"]["schooling"] == "dropout"
    zh = ok(rep("--lang", "zh", "report", "child", "王小刚", "--as-of", "2024-06-30")).out
    assert "**重点帮扶对象**" in zh
    assert "档案尚缺：母亲务工地点" in zh


def test_child_card_unknown_child(rep):
    result = rep("report", "child", "不存在")
    assert result.code == 1
    assert result.out == ""


# ---- the month ----------------------------------------------------------------------------------


def test_month_by_helper_and_kind_and_due_next(rep):
    ctx = as_json(rep("report", "month", "--month", "2024-04", "--as-of", "2024-06-30", "--format", "json"))
    assert (ctx["month"], ctx["next_month"]) == ("2024-04", "2024-05")
    # April: 李小红 home-visit 04-10 and 王小刚 aid 04-10 (刘妈妈), 孙小美 activity 04-15 (陈书记),
    # 张小明 video-call 04-20 (王老师); 赵小丽's phone call of 04-25 reached nobody.
    assert ctx["contacts_total"] == 4
    assert ctx["contact_attempts"] == 1
    assert ctx["children_reached"] == 4
    assert ctx["contacts_by_kind"] == {"home-visit": 1, "aid": 1, "activity": 1, "video-call": 1}
    by_helper = {h["helper"]: (h["total"], h["kinds"]) for h in ctx["by_helper"]}
    assert by_helper == {
        "刘妈妈": (2, {"home-visit": 1, "aid": 1}),
        "陈书记": (1, {"activity": 1}),
        "王老师": (1, {"video-call": 1}),
    }
    assert ctx["by_helper"][0]["helper"] == "刘妈妈"  # the busiest first
    # Due in May: 李小红 is a priority child visited at home on 04-10: next visit 04-10 + 30 = 05-10.
    assert {"name": "李小红", "rule": "home-visit", "due_date": "2024-05-10"}.items() <= ctx["due_next"][0].items()
    assert all("2024-05-01" <= r["due_date"] <= "2024-05-31" for r in ctx["due_next"])
    en = ok(rep("report", "month", "--month", "2024-04", "--as-of", "2024-06-30")).out
    # a helper's kinds in the order SPEC section 4 lists them (home-visit before aid), whatever the log's order
    assert "| 刘妈妈 | 2 | home visit 1, material aid 1 |" in en
    assert re.search(r"\| 李小红 \(2\) \| home visit \| 2024-05-10 \|", en)
    zh = ok(rep("--lang", "zh", "report", "month", "--month", "2024年4月", "--as-of", "2024-06-30")).out
    assert "本月联系 4 次，涉及 4 名儿童；另有未接通的尝试 1 次" in zh
    assert "| 李小红（2） | 家访 | 2024-05-10 |" in zh


def test_month_counts_a_kind_the_spec_does_not_list_after_the_others(rep, roster):
    # a row another tool wrote with a kind of its own: still counted, after the spec's kinds, so that the
    # kinds add up to the total (April has 4 contacts that reached someone, see above)
    execute(
        roster,
        "INSERT INTO contacts (uid, child_id, kind, date, no_answer) "
        "SELECT '00000000-0000-4000-8000-000000000001', id, 'home-call', '2024-04-30', ? FROM children "
        "WHERE name = '张小明'",
        False,
    )
    ctx = as_json(rep("report", "month", "--month", "2024-04", "--as-of", "2024-06-30", "--format", "json"))
    assert ctx["contacts_total"] == 5
    assert list(ctx["contacts_by_kind"].items()) == [
        ("video-call", 1), ("home-visit", 1), ("activity", 1), ("aid", 1), ("home-call", 1),
    ]  # fmt: skip


def test_month_before_a_scheduled_month_lists_next_months_plan(rep):
    ctx = as_json(rep("report", "month", "--month", "2024-05", "--as-of", "2024-06-30", "--format", "json"))
    # May: 赵小丽 aid 05-05, 陈小军 feedback 05-10, 王小刚 aid 05-20
    assert ctx["contacts_total"] == 3
    assert ctx["contacts_by_kind"] == {"aid": 2, "parent-feedback": 1}
    assert ctx["plan"] == []
    # June's seeded items (the database was created in English)
    assert ctx["next_plan"] == [
        "update the records: guardians and phone numbers",
        "form a joint care team with the schools",
    ]
    text = ok(rep("report", "month", "--month", "2024-05", "--as-of", "2024-06-30")).out
    assert "- form a joint care team with the schools" in text


def test_month_bad_value_is_usage_error(rep):
    result = rep("report", "month", "--month", "2024-13")
    assert result.code == 2
    assert result.out == ""


# ---- formats and --out ---------------------------------------------------------------------------


def test_html_page_with_tables(rep):
    page = ok(rep("report", "summary", "--format", "html", *PERIOD)).out
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert page.count("<table>") == 10
    assert "<th>Village</th>" in page
    assert "</html>" in page
    zh = ok(rep("--lang", "zh", "report", "child", "张小明", "--format", "html")).out
    assert '<html lang="zh-CN">' in zh
    assert "<table>" in zh


def test_out_writes_file_0600_and_nothing_on_stdout(rep, tmp_path):
    target = tmp_path / "summary.md"
    result = ok(rep("report", "summary", *PERIOD, "--out", str(target)))
    assert result.out == ""
    assert str(target) in result.err
    assert (target.stat().st_mode & 0o777) == 0o600
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Care work summary")
    assert text == ok(rep("report", "summary", *PERIOD)).out
    as_file = tmp_path / "summary.json"
    ok(rep("report", "summary", *PERIOD, "--format", "json", "--out", str(as_file)))
    assert json.loads(as_file.read_text(encoding="utf-8"))["children_active"] == 7
    # no temp file left beside them
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("report", list(REPORT_ARGS))
def test_unknown_format_is_usage_error(rep, report, tmp_path):
    target = tmp_path / "x.out"
    result = rep("report", *REPORT_ARGS[report], "--format", "xml", "--out", str(target))
    assert result.code == 2
    assert result.out == ""
    assert "--format" in result.err
    assert not target.exists()


# ---- user templates -------------------------------------------------------------------------------


def test_templates_option_overrides_one_file_per_language(rep, tmp_path):
    folder = tmp_path / "tpl"
    (folder / "en").mkdir(parents=True)
    (folder / "en" / "plan.md.j2").write_text("# Our plan {{ year }}: {{ children_active }} children\n")
    plan = ok(rep("report", "plan", "--year", "2025", "--as-of", "2024-06-30", "--templates", str(folder))).out
    assert plan == "# Our plan 2025: 7 children\n"
    # the summary is still the packaged one
    summary = ok(rep("report", "summary", *PERIOD, "--templates", str(folder))).out
    assert summary.startswith("# Care work summary")
    # the en/ override does not touch the Chinese plan
    zh = ok(rep("--lang", "zh", "report", "plan", "--year", "2025", "--templates", str(folder))).out
    assert zh.startswith("# 2025年农村留守儿童关爱工作计划")


def test_a_users_summary_template_reads_every_pupils_score(rep, tmp_path):
    """The pupils' scores are in the summary's data for a template of one's own, as they are in its JSON."""
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "summary.md.j2").write_text(
        "{{ assessment.children | length }} pupil(s):"
        "{% for c in assessment.children %} {{ c.name }} {{ c['score'] }} (rank {{ c.rank }}){% endfor %};"
        " first {{ assessment.children[0].child_id == assessment.children[:1][0]['child_id'] }}\n"
        "{{ assessment.children | tojson }}\n"
    )
    args = ("report", "summary", "--year", "2024", "--as-of", "2025-01-15")
    out = ok(rep(*args, "--templates", str(folder))).out
    # 张小明 alone has a rank in 2023: 7 rank points, keep 5, conduct 2, merit 5 = 19 (as the JSON test has it)
    first, as_data = out.splitlines()
    assert first == "1 pupil(s): 张小明 19 (rank 1); first True"
    assert [(c["name"], c["score"]) for c in json.loads(as_data)] == [("张小明", 19)]
    (child,) = as_json(rep(*args, "--format", "json"))["assessment"]["children"]
    assert (child["name"], child["score"], child["rank"], child["note"]) == ("张小明", 19, 1, "")


def test_templates_folder_root_overrides_both_languages(rep, tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "month.md.j2").write_text("{{ month }} {{ contacts_total }}\n")
    for lang in ("en", "zh"):
        out = ok(rep("--lang", lang, "report", "month", "--month", "2024-04", "--templates", str(folder))).out
        assert out == "2024-04 4\n"
    # a language folder beats the root
    (folder / "zh").mkdir()
    (folder / "zh" / "month.md.j2").write_text("月报 {{ month }}\n")
    out = ok(rep("--lang", "zh", "report", "month", "--month", "2024-04", "--templates", str(folder))).out
    assert out == "月报 2024-04\n"


def test_templates_env(rep, tmp_path, monkeypatch):
    folder = tmp_path / "tpl"
    (folder / "en").mkdir(parents=True)
    (folder / "en" / "summary.md.j2").write_text("paired {{ paired_rate | pct }}\n")
    monkeypatch.setenv("LBC_TEMPLATES", str(folder))
    assert ok(rep("report", "summary", *PERIOD)).out == "paired 57.1%\n"
    assert ok(rep("report", "plan", "--year", "2025")).out.startswith("# Care plan")
    # --templates wins over the environment
    other = tmp_path / "other"
    other.mkdir()
    (other / "summary.md.j2").write_text("other\n")
    assert ok(rep("report", "summary", *PERIOD, "--templates", str(other))).out == "other\n"


@pytest.mark.parametrize(
    ("body", "line", "why"),
    [
        ("# plan\n\n{% for x in %}\n{% endfor %}\n", 3, "expected an expression"),
        ("# plan\n{{ year }}\n\n{{ nope }}\n", 4, "'nope' is undefined"),
    ],
    ids=["syntax", "undefined"],
)
def test_broken_template_clean_error(rep, tmp_path, body, line, why):
    folder = tmp_path / "tpl"
    (folder / "en").mkdir(parents=True)
    (folder / "en" / "plan.md.j2").write_text(body)
    target = tmp_path / "plan.md"
    result = rep("report", "plan", "--templates", str(folder), "--out", str(target))
    assert result.code == 1
    assert result.out == ""
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert "plan.md.j2" in lines[0]
    assert re.search(rf"\bline {line}\b", lines[0])
    assert why in lines[0].lower()
    assert not target.exists()


def test_broken_template_via_env_names_the_file(rep, tmp_path, monkeypatch):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "child.md.j2").write_text("{{ child.name }}\n{% if %}\n")
    monkeypatch.setenv("LBC_TEMPLATES", str(folder))
    result = rep("--lang", "zh", "report", "child", "张小明")
    assert result.code == 1
    assert "child.md.j2" in result.err
    assert re.search(r"第 2 行", result.err)
    assert "Traceback" not in result.err


@pytest.mark.parametrize("how", ["option", "env"])
def test_missing_templates_folder_is_usage_error(rep, tmp_path, monkeypatch, how):
    missing = tmp_path / "no-such-folder"
    if how == "option":
        result = rep("report", "summary", *PERIOD, "--templates", str(missing))
    else:
        monkeypatch.setenv("LBC_TEMPLATES", str(missing))
        result = rep("report", "summary", *PERIOD)
    assert result.code == 2
    assert result.out == ""
    assert "no-such-folder" in result.err
    assert "Traceback" not in result.err


# ---- bugs ----------------------------------------------------------------------------------------


def test_template_runtime_error_names_file_and_line(rep, tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "plan.md.j2").write_text('# plan\n\n{{ children_active + "x" }}\n')
    result = rep("report", "plan", "--templates", str(folder))
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "plan.md.j2" in result.err
    assert re.search(r"\bline 3\b", result.err)


def test_child_card_note_with_a_pipe_stays_in_its_cell(rep):
    ok(rep("log-contact", "孙小美", "--kind", "home-visit", "--date", "2024-05-02", "--note", "电话|微信"))
    text = ok(rep("report", "child", "孙小美", "--format", "html")).out
    assert "微信" in text


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("# 计划\n\n{% for x in %}\n{% endfor %}\n", "第 3 行：模板语法有误"),
        ("# 计划\n{{ year }}\n\n{{ nosuch.attr }}\n", "第 4 行：用到了没有的名称 “nosuch”"),
        ('# 计划\n{% include "/etc/passwd" %}\n', "模板 /etc/passwd：找不到这个模板"),
    ],
    ids=["syntax", "undefined", "not-found"],
)
def test_a_broken_template_is_said_in_chinese_in_a_chinese_session(rep, tmp_path, body, said):
    """Found from outside (issue 21): Jinja2's own English (`expected token …`, `'nosuch' is undefined`,
    `not found` at line 0) reached a Chinese session; lbc says it in the session's words."""
    folder = tmp_path / "tpl"
    (folder / "zh").mkdir(parents=True)
    (folder / "zh" / "plan.md.j2").write_text(body, encoding="utf-8")
    result = rep("--lang", "zh", "report", "plan", "--templates", str(folder))
    assert result.code == 1 and result.out == ""
    [line] = result.err.strip().splitlines()
    assert said in line
    words = line.removeprefix("lbc: ")
    for allowed in (str(folder / "zh" / "plan.md.j2"), "/etc/passwd", "nosuch"):
        words = words.replace(allowed, "")
    assert not re.search(r"[A-Za-z]{2,}", words), line
