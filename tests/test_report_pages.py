"""Reports as pages and as numbers (SPEC section 11): the HTML page's own title, language and print rules, the page
printed to PDF by headless Chromium where it is installed, money with two decimals and rates with one decimal of a
percent in every report, the month report saying what is still to do itself, and people's text escaped where
Markdown is written, not in the context. Expected values are worked out by hand in the comments."""

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

E = ["--enrolled-on", "2024-03-01", "--consent-on", "2024-03-01"]
GUARDIAN = ["--guardian", "奶奶", "--guardian-relation", "grandparent", "--guardian-phone", "13800138000"]
AGREED = ["--care-agreement-on", "2024-03-01"]


def ok(result):
    assert result.code == 0, result.err
    return result


def as_json(result) -> dict:
    return json.loads(ok(result).out)


# ---- a small register for the month and the money ------------------------------------------------------------
#
# 甲 enrolled 2024-03-01 with a guardian and a care agreement, paired with 王老师; a video call on 04-25 (next
#    due 05-02), feedback to the parents on 04-10 (next due 05-10), a home visit on 03-05 (next due 06-03):
#    nothing is due on 2024-04-30.
# 乙 enrolled 2024-03-01, no care agreement, never contacted, never paired: video call, feedback, home visit, care
#    agreement and a helper all due from 03-01, overdue 60 days on 04-30 (31 + 30 - 1 ... 03-01 to 04-30 = 60).
# 丙 enrolled 2024-04-30 with a guardian and a care agreement, paired: video call, feedback and home visit due
#    on 04-30 itself, the month's last day: due, not overdue.
REGISTER = [
    ["enroll", "甲", "--gender", "M", "--birth", "2015-01-01", "--village", "东村", *GUARDIAN, *AGREED, *E],
    ["enroll", "乙", "--gender", "F", "--birth", "2015-02-02", "--village", "东村", "--guardian", "爷爷",
     "--guardian-relation", "grandparent", *E],
    ["enroll", "丙", "--gender", "M", "--birth", "2016-03-03", "--village", "西村", *GUARDIAN,
     "--care-agreement-on", "2024-04-30", "--enrolled-on", "2024-04-30", "--consent-on", "2024-04-30"],
    ["helper", "add", "王老师", "--role", "class-teacher"],
    ["pair", "甲", "王老师", "--since", "2024-03-01"],
    ["pair", "丙", "王老师", "--since", "2024-04-30"],
    ["log-contact", "甲", "--kind", "video-call", "--date", "2024-04-25", "--helper", "王老师"],
    ["log-contact", "甲", "--kind", "parent-feedback", "--date", "2024-04-10", "--helper", "王老师"],
    ["log-contact", "甲", "--kind", "home-visit", "--date", "2024-03-05", "--helper", "王老师"],
]  # fmt: skip
MONTH = ["report", "month", "--month", "2024-04", "--as-of", "2024-06-30"]


@pytest.fixture
def reg(lbc):
    for argv in REGISTER:
        ok(lbc(*argv))
    return lbc


def test_month_says_what_is_still_to_do_by_rule(reg):
    ctx = as_json(reg(*MONTH, "--format", "json"))
    assert ctx["month_end"] == "2024-04-30"
    # 乙's five and 丙's three
    assert ctx["overdue_open"] == 8
    # by rule, in the order of the rules: the children with one due by 04-30, and of them those overdue (乙)
    assert ctx["due_by_rule"] == [
        {"rule": "video-call", "children": 2, "overdue_children": 1},
        {"rule": "parent-feedback", "children": 2, "overdue_children": 1},
        {"rule": "home-visit", "children": 2, "overdue_children": 1},
        {"rule": "care-agreement", "children": 1, "overdue_children": 1},
        {"rule": "unpaired", "children": 1, "overdue_children": 1},
    ]
    # 乙's five, 60 days each: the high ones (care agreement, no helper) first, then the rules' order
    overdue = [(r["name"], r["rule"], r["due_date"], r["days_overdue"], r["priority"]) for r in ctx["overdue"]]
    assert overdue == [
        ("乙", "care-agreement", "2024-03-01", 60, "high"),
        ("乙", "unpaired", "2024-03-01", 60, "high"),
        ("乙", "video-call", "2024-03-01", 60, "normal"),
        ("乙", "parent-feedback", "2024-03-01", 60, "normal"),
        ("乙", "home-visit", "2024-03-01", 60, "normal"),
    ]


def test_month_markdown_tells_the_township_itself_in_both_languages(reg):
    zh = ok(reg("--lang", "zh", *MONTH)).out
    assert "lbc remind" not in zh
    assert "截至 2024-04-30，到期未办的事项共 8 项：" in zh
    assert "| 亲情视频/通话 | 2 | 1 |" in zh
    assert "| 委托照护确认 | 1 | 1 |" in zh
    assert "| 尚未结对 | 1 | 1 |" in zh
    assert "| 乙（2） | 委托照护确认 | 2024-03-01 | 60 | 重要 | — |" in zh
    en = ok(reg(*MONTH)).out
    assert "lbc remind" not in en
    assert "At 2024-04-30, 8 items were due and not yet done:" in en
    assert "| parent video call | 2 | 1 |" in en
    assert "| 乙 (2) | no helper yet | 2024-03-01 | 60 | high | — |" in en
    # 甲 has nothing due: not in the overdue table
    assert "| 甲 (1) |" not in en.split("## Due next month")[0]


def test_month_with_nothing_open(lbc):
    ok(lbc(*REGISTER[0]))
    ok(lbc(*REGISTER[3]))
    ok(lbc(*REGISTER[4]))
    for argv in REGISTER[6:]:
        ok(lbc(*argv))
    ctx = as_json(lbc(*MONTH, "--format", "json"))
    assert (ctx["overdue_open"], ctx["due_by_rule"], ctx["overdue"]) == (0, [], [])
    assert "到本月底没有到期未办的事项。" in ok(lbc("--lang", "zh", *MONTH)).out
    assert "Nothing was due and not yet done at the month's end." in ok(lbc(*MONTH)).out


# ---- money and rates --------------------------------------------------------------------------------------------
#
# 甲 is ranked 8th of 40 in term 1 of school year 2023 and 1st in term 2, a merit student: rank points 7 (one a
# rank), keep 5 (in the top 10 both times), conduct 2, merit 5 = 19. 王老师 (class teacher) scores the mean over
# his scored pupils: 19. With 0.5 yuan a point he earns 9.50; 甲 earns first place (5.5 yuan set) and progress
# (8 -> 1, 7 >= 5 places: 2 yuan set): 5.50 + 2.00 = 7.50.
MONEY = [
    ["exam", "add", "甲", "--year", "2023", "--term", "1", "--rank", "8", "--class-size", "40"],
    ["exam", "add", "甲", "--year", "2023", "--term", "2", "--rank", "1", "--class-size", "40", "--merit-student"],
    ["config", "set", "yuan_per_point", "0.5"],
    ["config", "set", "first_place_yuan", "5.5"],
    ["config", "set", "progress_yuan", "2"],
    ["config", "set", "target_archive_rate", "95"],
    ["config", "set", "target_retention_rate", "97.5"],
]
SUMMARY = ["report", "summary", "--year", "2024", "--as-of", "2025-01-15"]


@pytest.fixture
def paid(reg):
    for argv in MONEY:
        ok(reg(*argv))
    return reg


def test_summary_money_has_two_decimals_and_rates_one(paid):
    zh = ok(paid("--lang", "zh", *SUMMARY)).out
    assert "| 王老师 | 班主任 | 1 | 19.00 | 9.50 |" in zh
    assert "| 甲 | 班级第一名奖 | 5.50 |" in zh
    assert "| 甲 | 越位进步奖 | 2.00 |" in zh
    assert "帮扶人奖金合计 9.50 元，学生奖金合计 7.50 元。" in zh
    # on 2024-12-31 all three children in the programme are paired? 乙 is not: 2 of 3 = 66.7%; the targets
    # 95 -> 95.0%, 97.5 -> 97.5%, the paired target 100.0%; never "100%" or "95%"
    assert re.search(r"\| 结对覆盖率 \| 66\.7% \| 100\.0% \|", zh)
    assert re.search(r"\| 建档率 \| [\d.]+% \| 95\.0% \|", zh)
    assert re.search(r"\| 巩固率 \| [\d.—%]+ \| 97\.5% \|", zh)
    assert not re.search(r"(?<![\d.])\d+%", zh)  # every percentage has its decimal
    en = ok(paid(*SUMMARY)).out
    assert "| 王老师 | class teacher | 1 | 19.00 | 9.50 |" in en
    assert "| 甲 | first place | 5.50 |" in en
    assert "Helpers' awards total 9.50 yuan; pupils' awards 7.50 yuan." in en
    assert not re.search(r"(?<![\d.])\d+%", en)
    # JSON: money as numbers of two places at most, rates as fractions
    ctx = as_json(paid(*SUMMARY, "--format", "json"))
    assert ctx["assessment"]["award_yuan"] == 7.5
    assert sorted(a["yuan"] for a in ctx["assessment"]["awards"]) == [2, 5.5]
    assert ctx["paired_rate"] == pytest.approx(2 / 3)
    assert ctx["targets"]["retention_rate"] == 0.975


def test_plan_money_and_rates(paid):
    zh = ok(paid("--lang", "zh", "report", "plan", "--year", "2025", "--as-of", "2024-06-30")).out
    assert "每分奖励 0.50 元" in zh
    assert "第一名奖励 5.50 元" in zh
    assert "奖励 50.00 元" in zh  # the excellence award's default, 50
    assert "奖励 2.00 元" in zh
    assert "建档率达到 95.0%" in zh
    assert "入学率达到 100.0%，巩固率达到 97.5%" in zh
    en = ok(paid("report", "plan", "--year", "2025", "--as-of", "2024-06-30")).out
    assert "each point is worth 0.50 yuan" in en
    assert "earns 5.50 yuan" in en
    assert "archive rate 95.0%" in en


def test_score_money_in_every_format(paid):
    table = ok(paid("score", "--year", "2023")).out
    assert re.search(r"王老师\s+class teacher\s+1\s+19\.00\s+9\.50", table)
    assert re.search(r"甲\s+first place\s+5\.50", table)
    assert re.search(r"甲\s+progress\s+2\.00", table)
    md = ok(paid("score", "--year", "2023", "--format", "md")).out
    assert "| 5.50 |" in md and "| 2.00 |" in md
    csv = ok(paid("score", "--year", "2023", "--format", "csv", "--view", "helpers")).out
    assert "1,王老师,class-teacher,1,19.00,9.50" in csv


# ---- people's text: escaped where Markdown is written, as typed elsewhere --------------------------------------


def test_peoples_text_is_escaped_in_markdown_only(lbc):
    ok(lbc("enroll", "*李_四*", "--gender", "M", "--birth", "2015-01-01", "--village", "<b>x</b>", *E))
    ok(lbc("log-contact", "*李_四*", "--kind", "home-visit", "--date", "2024-03-02", "--note", "[链接](http://x.cn)"))
    args = ["report", "child", "1", "--as-of", "2024-06-30"]
    ctx = as_json(lbc(*args, "--format", "json"))
    assert ctx["child"]["name"] == "*李_四*"
    assert ctx["child"]["village"] == "<b>x</b>"
    assert ctx["contacts"][0]["note"] == "[链接](http://x.cn)"
    md = ok(lbc("--lang", "zh", *args)).out
    assert md.startswith("# 农村留守儿童信息档案：\\*李\\_四\\*\n")
    assert "\\<b\\>x\\</b\\>" in md
    assert "\\[链接\\](http" in md
    page = ok(lbc("--lang", "zh", *args, "--format", "html")).out
    # the page shows the text as typed: no emphasis, no tag, no link made of it
    assert "<title>农村留守儿童信息档案：*李_四*</title>" in page
    assert "<td>*李_四*</td>" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert "<em>" not in page and "<a " not in page


# ---- the page -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "html_lang", "title"),
    [("zh", "zh-CN", "2024年农村留守儿童关爱工作总结"), ("en", "en", "Care work summary, 2024")],
)
def test_page_title_lang_and_print_rules(paid, lang, html_lang, title):
    page = ok(paid("--lang", lang, *SUMMARY, "--format", "html")).out
    assert f'<html lang="{html_lang}">' in page
    assert f"<title>{title}</title>" in page
    style = page.split("<style>")[1].split("</style>")[0]
    assert re.search(r"@page \{ size: A4; margin: [^}]+\}", style)
    assert re.search(r"h1, h2, h3, h4 \{[^}]*break-after: avoid; page-break-after: avoid;", style)
    assert re.search(r"\btr, [^{]*\{ break-inside: avoid; page-break-inside: avoid; \}", style)
    assert "thead { display: table-header-group; }" in style
    # Chinese fonts first, a generic family last
    body = re.search(r"body \{ font-family: ([^;]+);", style)[1]
    assert body.startswith('"仿宋_GB2312"') and body.endswith("serif")


@pytest.mark.parametrize(
    ("args", "title"),
    [
        (["plan", "--year", "2027", "--as-of", "2026-06-30"], "2027年农村留守儿童关爱工作计划"),
        (["month", "--month", "2024-04", "--as-of", "2024-06-30"], "2024-04 留守儿童关爱工作月报"),
        (["child", "甲", "--as-of", "2024-06-30"], "农村留守儿童信息档案：甲"),
    ],
)
def test_every_page_is_titled_with_its_own_heading(reg, args, title):
    page = ok(reg("--lang", "zh", "report", *args, "--format", "html")).out
    assert f"<title>{title}</title>" in page


def test_a_users_template_without_a_heading_gets_a_title_in_the_session_language(reg, tmp_path):
    (tmp_path / "plan.md.j2").write_text("{{ year }}\n", encoding="utf-8")
    args = ["report", "plan", "--year", "2027", "--templates", str(tmp_path), "--format", "html"]
    assert "<title>2027年工作计划</title>" in ok(reg("--lang", "zh", *args)).out
    assert "<title>Work plan, 2027</title>" in ok(reg(*args)).out


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOTEXT = shutil.which("pdftotext")


def _print_to_pdf(page: Path, pdf: Path) -> None:
    """Headless Chromium's print of ``page``: no sandbox (root in a container), no network, a new profile."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed: the page is not printed to PDF")
@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed: the PDF cannot be read")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_prints_to_pdf_with_its_title_and_headings(paid, tmp_path, lang):
    page = tmp_path / "summary.html"
    ok(paid("--lang", lang, *SUMMARY, "--format", "html", "--out", str(page)))
    pdf = tmp_path / "summary.pdf"
    _print_to_pdf(page, pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    if lang == "zh":
        expected = ["2024年农村留守儿童关爱工作总结", "一、基本情况", "二、建档、入学与结对", "三、关爱联系",
                    "四、考核及奖励", "五、重点帮扶对象", "王老师", "9.50"]  # fmt: skip
    else:
        expected = ["Careworksummary,2024", "1.Thechildren", "3.Contacts", "5.Prioritychildren", "9.50"]
    for words in expected:
        assert words in flat, words
    # no page ends with a heading: the heading went over with what follows it
    headings = {re.sub(r"\s+", "", h) for h in re.findall(r"^#+ (.+)$", ok(paid("--lang", lang, *SUMMARY)).out, re.M)}
    for sheet in text.split("\f"):
        lines = [re.sub(r"\s+", "", line) for line in sheet.splitlines() if line.strip()]
        if lines:
            assert lines[-1] not in headings, lines[-1]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed: the page is not printed to PDF")
@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed: the PDF cannot be read")
def test_a_long_page_prints_on_a4_with_no_heading_at_a_page_foot(run, new_db, tmp_path):
    """The example's summary runs over several A4 pages: no page ends with a heading, and a table that runs
    over a page starts again with its header row."""
    target = new_db("example.db")
    ok(run("--lang", "zh", "init", "--example", db=target))
    args = ["--lang", "zh", "report", "summary", "--year", "2026", "--as-of", "2026-12-31"]
    page = tmp_path / "summary.html"
    ok(run(*args, "--format", "html", "--out", str(page), db=target))
    pdf = tmp_path / "summary.pdf"
    _print_to_pdf(page, pdf)
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
    sheets = [sheet for sheet in text.split("\f") if sheet.strip()]
    assert len(sheets) >= 3
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True).stdout.decode()
        assert "(A4)" in info
    markdown = ok(run(*args, db=target)).out
    headings = {re.sub(r"\s+", "", h) for h in re.findall(r"^#+ (.+)$", markdown, re.M)}
    for sheet in sheets:
        lines = [re.sub(r"\s+", "", line) for line in sheet.splitlines() if line.strip()]
        assert lines[-1] not in headings, lines[-1]
    # the headings are all there, in order
    flat = re.sub(r"\s+", "", text)
    places = [flat.find(h) for h in ["2026年农村留守儿童关爱工作总结", "一、基本情况", "五、重点帮扶对象"]]
    assert -1 not in places and places == sorted(places)


# ---- overdue as of the report's day (issue 21, testers' finding 1) -----------------------------------------------
#
# 丁 enrolled 2024-04-01, paired, video call, feedback and home visit on 04-15: the next video call is due 04-22
#    (7 days), feedback 05-15, home visit 07-14: only the video call falls due in April.
# 戊 enrolled 2024-03-01, paired, never contacted: video call, feedback and home visit due 03-01.
# Run on 2024-04-20 (the current month), overdue is as of 04-20: 戊's three, 50 days each (03-01 to 04-20 = 30 + 20),
# and 丁's video call of 04-22 is due by the month's end, not overdue. For the past month (run on 2024-06-30) it is
# as of 04-30: 戊's three 60 days, 丁's video call 8 days.
LATER = [
    ["enroll", "丁", "--gender", "M", "--birth", "2015-01-01", "--village", "东村", *GUARDIAN,
     "--care-agreement-on", "2024-04-01", "--enrolled-on", "2024-04-01", "--consent-on", "2024-04-01"],
    ["enroll", "戊", "--gender", "F", "--birth", "2015-02-02", "--village", "东村", *GUARDIAN, *AGREED, *E],
    ["helper", "add", "王老师", "--role", "class-teacher"],
    ["pair", "丁", "王老师", "--since", "2024-04-01"],
    ["pair", "戊", "王老师", "--since", "2024-03-01"],
    *[["log-contact", "丁", "--kind", kind, "--date", "2024-04-15", "--helper", "王老师"]
      for kind in ("video-call", "parent-feedback", "home-visit")],
]  # fmt: skip


def _overdue(ctx):
    return sorted((r["name"], r["rule"], r["due_date"], r["days_overdue"]) for r in ctx["overdue"])


def test_month_current_counts_overdue_as_of_the_run_day(lbc):
    for argv in LATER:
        ok(lbc(*argv))
    ctx = as_json(lbc("report", "month", "--month", "2024-04", "--as-of", "2024-04-20", "--format", "json"))
    assert (ctx["month_end"], ctx["overdue_as_of"]) == ("2024-04-30", "2024-04-20")
    assert (ctx["overdue_open"], ctx["not_overdue"]) == (4, 1)
    assert _overdue(ctx) == [
        ("戊", "home-visit", "2024-03-01", 50),
        ("戊", "parent-feedback", "2024-03-01", 50),
        ("戊", "video-call", "2024-03-01", 50),
    ]
    assert ctx["due_by_rule"] == [
        {"rule": "video-call", "children": 2, "overdue_children": 1},
        {"rule": "parent-feedback", "children": 1, "overdue_children": 1},
        {"rule": "home-visit", "children": 1, "overdue_children": 1},
    ]
    zh = ok(lbc("--lang", "zh", "report", "month", "--month", "2024-04", "--as-of", "2024-04-20")).out
    assert "截至 2024-04-20 已逾期 3 项，其余 1 项到月底前到期" in zh
    assert "| 丁（1） |" not in zh.split("## 下月")[0]
    en = ok(lbc("report", "month", "--month", "2024-04", "--as-of", "2024-04-20")).out
    assert "on 2024-04-20, 3 of them were overdue and 1 fall due by the month's end" in en
    assert "| 戊 (2) | parent video call | 2024-03-01 | 50 |" in en

    past = as_json(lbc("report", "month", "--month", "2024-04", "--as-of", "2024-06-30", "--format", "json"))
    assert (past["overdue_as_of"], past["overdue_open"], past["not_overdue"]) == ("2024-04-30", 4, 0)
    assert _overdue(past) == [
        ("丁", "video-call", "2024-04-22", 8),
        ("戊", "home-visit", "2024-03-01", 60),
        ("戊", "parent-feedback", "2024-03-01", 60),
        ("戊", "video-call", "2024-03-01", 60),
    ]


# ---- a lead-in kept with its table, and no network reference (issue 21, testers' finding 4) ----------------------


def test_a_lead_in_paragraph_is_kept_with_its_table(reg):
    style = ok(reg(*MONTH, "--format", "html")).out.split("<style>")[1].split("</style>")[0]
    assert "p:has(+ table) { break-after: avoid; page-break-after: avoid; }" in style
    # Chromium 156 keeps them together by the table's side only (a lead-in is a paragraph, not a heading)
    assert "table { break-before: avoid; page-break-before: avoid; }" in style


def test_a_remote_image_in_a_users_template_is_its_alt_text(reg, tmp_path):
    (tmp_path / "plan.md.j2").write_text(
        "# {{ year }}\n\n![远程图片](http://evil.example/x.png) ![b *粗*](//evil.example/y.png) ![本地](z.png)\n\n"
        "![点](data:image/png;base64,iVBORw0KGgo=)\n",
        encoding="utf-8",
    )
    page = ok(reg("report", "plan", "--year", "2027", "--templates", str(tmp_path), "--format", "html")).out
    assert "evil.example" not in page and "z.png" not in page
    assert "<p>远程图片 b 粗 本地</p>" in page
    assert re.findall(r"<img [^>]*>", page) == ['<img src="data:image/png;base64,iVBORw0KGgo=" alt="点" />']
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


LEAD_IN = "{% for n in range(40) %}\n第 {{ n }} 组已逾期的事项（最紧要的在前）：\n\n| 儿童 | 事项 |\n|---|---|\n" \
    "{% for m in range(7) %}| 某某{{ m }} | 家访 |\n{% endfor %}\n{% endfor %}\n"  # fmt: skip


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed: the page is not printed to PDF")
@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed: the PDF cannot be read")
def test_no_page_ends_with_a_lead_in_paragraph(reg, tmp_path):
    (tmp_path / "plan.md.j2").write_text("# 计划\n\n" + LEAD_IN, encoding="utf-8")
    page = tmp_path / "plan.html"
    ok(reg("--lang", "zh", "report", "plan", "--year", "2027", "--templates", str(tmp_path), "--format", "html",
           "--out", str(page)))  # fmt: skip
    pdf = tmp_path / "plan.pdf"
    _print_to_pdf(page, pdf)
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
    sheets = [[line.strip() for line in sheet.splitlines() if line.strip()] for sheet in text.split("\f")]
    sheets = [lines for lines in sheets if lines]
    assert len(sheets) > 3  # 40 tables run over several pages
    assert sum(line.endswith("：") for lines in sheets for line in lines) == 40
    for lines in sheets:
        assert not lines[-1].endswith("："), lines[-1]
