"""The summary's charts (SPEC section 11): drawn offline, inline SVG in HTML, pictures in docx, Mermaid in Markdown.

A small roster (``ROSTER``) is built through the CLI once and copied into each test's database. Its figures for
the period 2024-03-01 .. 2024-05-31 (as of 2024-06-30), by hand:

- contacts: *a_b* video call 03-04 and home visit 04-10; 李小红 phone calls 04-12 and 05-12 (the no-answer
  call on 05-20 is an attempt, not a contact): by kind video call 1, home visit 1, phone call 2;
  by month 2024-03: 1, 2024-04: 2, 2024-05: 1.
- paired: *a_b* only, 1 of 2 = 50.0%; both are of school age and in school: enrolment 2/2 = 100.0%.
- the retention target is set to 97.5%: its mark stands at 97.5.
"""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_db, new_target
from markdown_it import MarkdownIt

E = "--enrolled-on 2024-01-10 --consent-on 2024-01-05 --schooling primary --guardian-relation grandparent"
ROSTER = f"""
enroll *a_b* --gender F --birth 2014-05-01 --village 东村 {E}
enroll 李小红 --gender F --birth 2016-08-20 --village 西村 {E}
helper add 王老师 --role class-teacher
pair *a_b* 王老师 --since 2024-01-15
log-contact *a_b* --kind video-call --date 2024-03-04 --helper 王老师
log-contact *a_b* --kind home-visit --date 2024-04-10 --helper 王老师
log-contact 李小红 --kind phone-call --date 2024-04-12
log-contact 李小红 --kind phone-call --date 2024-05-12
log-contact 李小红 --kind phone-call --date 2024-05-20 --no-answer
config set target_retention_rate 97.5
"""
PERIOD = ["--from", "2024-03-01", "--to", "2024-05-31", "--as-of", "2024-06-30"]


@pytest.fixture(scope="module")
def _master(tmp_path_factory) -> dict:
    return {"dir": tmp_path_factory.mktemp("charts"), "path": None}


@pytest.fixture
def small(run, tmp_path, _master):
    """run() bound to a copy of the roster above (built once through the CLI)."""
    if _master["path"] is None:
        building = new_target(_master["dir"] / "building.db", keep=True)
        assert run("init", db=building).code == 0
        for line in ROSTER.strip().splitlines():
            result = run(*shlex.split(line), db=building)
            assert result.code == 0, (line, result.err)
        _master["path"] = copy_db(building, _master["dir"] / "master.db", keep=True)
    target = copy_db(_master["path"], tmp_path / "lbc.db")

    def invoke(*args: str):
        return run(*args, db=target)

    return invoke


def ok(result):
    assert result.code == 0, result.err
    return result


def svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, re.S)


def svg_texts(svg: str) -> list[str]:
    return [text.strip() for text in re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)]


def mermaid_blocks(text: str) -> dict[str, list[str]]:
    """The summary's ```mermaid blocks by the chart their first line names."""
    fences = [t for t in MarkdownIt("commonmark").parse(text) if t.type == "fence" and t.info == "mermaid"]
    blocks = {}
    for fence in fences:
        first, *rest = fence.content.rstrip("\n").split("\n")
        blocks[re.fullmatch(r"%% chart: (\w+)", first)[1]] = rest
    return blocks


# ---- HTML: inline SVG -------------------------------------------------------------------------------------


def test_html_summary_draws_the_three_charts_as_inline_svg_with_text_as_text(small):
    page = ok(small("--lang", "zh", "report", "summary", *PERIOD, "--format", "html")).out
    charts = svgs(page)
    assert len(charts) == 3
    assert "language-mermaid" not in page  # every packaged block became its chart
    for svg in charts:
        assert "<script" not in svg.lower()
        assert "http" not in svg  # no namespace URL, no link, nothing fetched
        assert "<?xml" not in svg and "<!DOCTYPE" not in svg
        assert 'xlink:href="h' not in svg and "url(h" not in svg
    rates, by_kind, by_month = charts  # in the order the summary shows them
    texts = svg_texts(rates)
    assert "各项比率与目标" in texts
    assert {"建档率", "入学率", "巩固率", "结对覆盖率", "实际", "目标"} <= set(texts)
    assert {"100.0%", "50.0%"} <= set(texts)  # enrolment 2/2, paired 1/2
    texts = svg_texts(by_kind)
    assert "各类联系次数" in texts
    assert {"亲情视频", "家访", "亲情电话"} <= set(texts)
    kinds = texts[texts.index("亲情视频") :]
    assert kinds[:3] == ["亲情视频", "亲情电话", "家访"]  # the Markdown's order
    texts = svg_texts(by_month)
    assert "各月联系次数" in texts
    assert {"2024-03", "2024-04", "2024-05"} <= set(texts)
    # the figures written on the bars: 1, 2, 1 in the months, 1, 2, 1 by kind (video call, phone call, visit)
    assert [t for t in texts if t in ("1", "2")][-3:] == ["1", "2", "1"]
    # the ids of one chart are not another's
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_english_page_has_english_charts(small):
    page = ok(small("report", "summary", *PERIOD, "--format", "html")).out
    texts = [t for svg in svgs(page) for t in svg_texts(svg)]
    assert {"Contacts by kind", "Contacts by month", "Rates against targets"} <= set(texts)
    assert {"video call", "phone call", "home visit"} <= set(texts)
    assert not [t for t in texts if re.search(r"[\u4e00-\u9fff]", t)]


def test_markdown_keeps_mermaid_naming_each_chart(small):
    text = ok(small("--lang", "zh", "report", "summary", *PERIOD)).out
    blocks = mermaid_blocks(text)
    assert list(blocks) == ["rates", "contacts_by_kind", "contacts_by_month"]
    assert blocks["contacts_by_kind"][0] == "pie title 各类联系次数"
    month = "\n".join(blocks["contacts_by_month"])
    assert 'x-axis ["2024-03", "2024-04", "2024-05"]' in month
    assert "bar [1, 2, 1]" in month
    rates = "\n".join(blocks["rates"])
    assert 'x-axis ["建档率", "入学率", "巩固率", "结对覆盖率"]' in rates
    assert re.search(r"bar \[[\d.]+, 100\.0, 100\.0, 50\.0\]", rates)
    assert "line [100.0, 100.0, 97.5, 100.0]" in rates


def test_a_users_mermaid_block_stays_code(small, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "summary.md.j2").write_text(
        '# Mine\n\n```mermaid\npie title mine\n    "a" : 1\n```\n\n'
        "```mermaid\n%% chart: no_such_chart\npie\n```\n\n"
        "```mermaid\n%% chart: contacts_by_kind\npie\n```\n",
        encoding="utf-8",
    )
    page = ok(small("report", "summary", *PERIOD, "--format", "html", "--templates", str(folder))).out
    assert page.count('<code class="language-mermaid">') == 2  # no name, and a name lbc does not know
    assert len(svgs(page)) == 1  # a chart lbc knows, named in the user's own template, is drawn


def test_the_month_report_names_no_chart_and_its_html_has_none(small):
    page = ok(small("report", "month", "--month", "2024-04", "--as-of", "2024-06-30", "--format", "html")).out
    assert "<svg" not in page


def test_charts_follow_the_json_context(small):
    """What the charts draw is the context --format json prints: the HTML, the docx and the JSON agree."""
    from lbc_cli import charts, i18n

    context = json.loads(ok(small("report", "summary", *PERIOD, "--format", "json")).out)
    i18n.set_lang("en")
    rates = charts.chart("rates", context)
    assert rates.labels == ["Archive rate", "School enrolment", "Retention", "Paired"]
    assert rates.values[1:] == [1.0, 1.0, 0.5]
    assert rates.targets == [1.0, 1.0, 0.975, 1.0]
    assert rates.rows()[3] == ("Paired", "50.0%", "100.0%")
    assert charts.chart("contacts_by_month", context).rows() == [("2024-03", "1"), ("2024-04", "2"), ("2024-05", "1")]
    assert charts.chart("no_such_chart", context) is None
    assert charts.chart("rates", {"report": "plan"}) is None


# ---- what is imported, and when ------------------------------------------------------------------------------

IMPORTS = """
import json, sys
from lbc_cli.cli import main
argv = json.loads(sys.argv[1])
code = main(argv)
print(json.dumps({"code": code, "loaded": sorted(m for m in ("docx", "matplotlib") if m in sys.modules)}))
"""


@pytest.mark.parametrize(
    ("argv", "loaded"),
    [
        (["--help"], []),
        (["report", "plan", "--format", "md", "--year", "2025"], []),
        (["report", "summary", "--format", "html", *PERIOD], ["matplotlib"]),
    ],
    ids=["help", "plan as Markdown", "summary as HTML"],
)
def test_docx_and_matplotlib_are_imported_only_by_what_uses_them(small, tmp_path, argv, loaded, db):
    target = db if argv[0] != "--help" else "unused.db"
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS, json.dumps(["--db", str(target), *argv])],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"code": 0, "loaded": loaded}
