"""lbc report ... --format docx (SPEC section 11): a Word document laid out after GB/T 9704, saying what the
Markdown says. The documents are opened with python-docx and read back element by element; where LibreOffice
is installed, each converts to PDF headless.

The roster is test_charts.py's (a child named ``*a_b*``, whose Markdown is ``\\*a\\_b\\*``; three charts).
"""

import os
import pty
import re
import shutil
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from test_charts import PERIOD, _master, small  # noqa: F401 (fixtures)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
REPORTS = {
    "plan": ["plan", "--year", "2025", "--as-of", "2024-06-30"],
    "summary": ["summary", *PERIOD],
    "child": ["child", "*a_b*", "--as-of", "2024-06-30"],
    "month": ["month", "--month", "2024-04", "--as-of", "2024-06-30"],
}
CASES = [(report, lang) for report in REPORTS for lang in ("zh", "en")]


def ok(result):
    assert result.code == 0, result.err
    return result


def document(path: Path):
    import docx

    return docx.Document(str(path))


def make(small, tmp_path, report: str, lang: str):  # noqa: F811
    """(the document, its Markdown) of one report in one language, the docx written by --out."""
    target = tmp_path / f"{report}-{lang}.docx"
    result = ok(small("--lang", lang, "report", *REPORTS[report], "--out", str(target)))
    assert result.out == ""
    assert (target.stat().st_mode & 0o777) == 0o600
    markdown = ok(small("--lang", lang, "report", *REPORTS[report])).out
    return document(target), markdown


def plain(inline) -> str:
    """An inline token's text as a reader sees it (the Markdown's escapes undone)."""
    parts = []
    for child in inline.children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
    return "".join(parts)


def md_texts(markdown: str) -> tuple[str, list[str], list[str]]:
    """(the first heading, the other blocks' texts, the table cells' texts) of the Markdown."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    title, blocks, cells = None, [], []
    in_cell = False
    for token in tokens:
        if token.type in ("th_open", "td_open"):
            in_cell = True
        elif token.type in ("th_close", "td_close"):
            in_cell = False
        elif token.type == "inline":
            if title is None:
                title = plain(token)
            elif in_cell:
                cells.append(plain(token))
            else:
                blocks.append(plain(token))
    return title, blocks, cells


def runs(part_element) -> list:
    return list(part_element.iter(f"{W}r"))


def east_asian(element) -> str | None:
    fonts = element.find(f"{W}rPr/{W}rFonts")
    return None if fonts is None else fonts.get(f"{W}eastAsia")


@pytest.mark.parametrize(("report", "lang"), CASES)
def test_docx_is_laid_out_and_says_what_the_markdown_says(small, tmp_path, report, lang):  # noqa: F811
    from docx.shared import Pt

    doc, markdown = make(small, tmp_path, report, lang)
    title, blocks, cells = md_texts(markdown)
    # A4, margins 37/35/28/26 mm
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm, 1) for m in margins] == [37, 35, 28, 26]
    # the title: the Markdown's first heading, centred, 方正小标宋简体 (Latin: Times New Roman / Arial)
    first = doc.paragraphs[0]
    assert first.text == title
    assert first.style.name == "Title"
    assert first.alignment == 1 and first.style.paragraph_format.alignment == 1  # centred
    assert {east_asian(r) for r in runs(first._p)} == {"方正小标宋简体"}
    latin = first.runs[0]._r.find(f"{W}rPr/{W}rFonts").get(f"{W}ascii")
    assert latin == ("Times New Roman" if lang == "zh" else "Arial")
    assert first.runs[0].font.size == Pt(22 if lang == "zh" else 18)
    # the East Asian font on every run, body, tables and footer alike, and on the styles
    body_runs = runs(doc.element.body)
    footer = section.footer._element
    assert body_runs and all(east_asian(r) for r in body_runs + runs(footer))
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        assert east_asian(doc.styles[name].element), name
    assert east_asian(doc.styles["Normal"].element) == "仿宋_GB2312"
    assert east_asian(doc.styles["Heading 1"].element) == "黑体"
    # the font table names the fallbacks Word and WPS use where a GB/T 9704 font is missing
    fonts = next(p for p in doc.part.package.parts if p.partname == "/word/fontTable.xml").blob.decode()
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="黑体"/>' in fonts
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in fonts
    # page numbers: "— PAGE —" centred in the footer
    instructions = [t.text.strip() for t in footer.iter(f"{W}instrText")]
    assert instructions == ["PAGE"]
    assert [c.get(f"{W}fldCharType") for c in footer.iter(f"{W}fldChar")] == ["begin", "separate", "end"]
    assert section.footer.paragraphs[0].text == "— 1 —"
    # tables: as many as the Markdown's, a bold first row repeated atop each page, cells as the Markdown's
    md_tables = markdown_tables(markdown)
    pictures = len(doc.inline_shapes)
    charts_as_tables = 3 if report == "summary" and not pictures else 0
    assert len(doc.tables) == md_tables + charts_as_tables
    for table in doc.tables:
        first_row = table.rows[0]._tr
        assert first_row.find(f"{W}trPr/{W}tblHeader") is not None
        assert all(r.bold for p in table.rows[0].cells[0].paragraphs for r in p.runs if r.text)
    doc_cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    assert doc_cells[: len(cells)] == cells or all(c in doc_cells for c in cells)
    # every other text of the Markdown is a paragraph of the document, as typed (a list's marker before it)
    paragraphs = [re.sub(r"^(•\u00a0\u00a0|\d+\.\u00a0)", "", p.text) for p in doc.paragraphs]
    assert [b for b in blocks if b not in paragraphs] == []
    # the summary's charts: pictures where a font draws their labels, else their figures as tables
    if report == "summary":
        from lbc_cli import charts, i18n

        i18n.set_lang(lang)
        assert pictures == (3 if charts.can_draw_png() else 0)
    else:
        assert pictures == 0


def markdown_tables(markdown: str) -> int:
    return sum(1 for t in MarkdownIt("commonmark").enable("table").parse(markdown) if t.type == "table_open")


def test_a_name_with_markdown_characters_reads_as_typed(small, tmp_path):  # noqa: F811
    doc, markdown = make(small, tmp_path, "child", "zh")
    assert r"\*a\_b\*" in markdown  # escaped where Markdown is written
    assert "*a_b*" in doc.paragraphs[0].text
    assert any(cell.text == "*a_b*" for table in doc.tables for row in table.rows for cell in row.cells)
    assert "\\" not in "".join(p.text for p in doc.paragraphs)


def test_summary_pictures_are_the_charts(small, tmp_path):  # noqa: F811
    from lbc_cli import charts

    if charts.cjk_font() is None:
        pytest.skip("no font that draws Chinese is installed here: the charts are tables (tested below)")
    doc, _markdown = make(small, tmp_path, "summary", "zh")
    assert len(doc.inline_shapes) == 3
    blobs = [rel.target_part.blob for rel in doc.part.rels.values() if "image" in rel.reltype]
    assert len(blobs) == 3 and all(blob.startswith(b"\x89PNG") for blob in blobs)
    for shape in doc.inline_shapes:
        assert shape.width < doc.sections[0].page_width - doc.sections[0].left_margin - doc.sections[0].right_margin


def test_without_a_chinese_font_the_charts_are_tables_said_once(small, tmp_path, monkeypatch):  # noqa: F811
    from lbc_cli import charts

    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    target = tmp_path / "summary.docx"
    result = ok(small("--lang", "zh", "report", "summary", *PERIOD, "--out", str(target)))
    assert result.err.count("没有找到能显示中文的字体") == 1
    doc = document(target)
    assert len(doc.inline_shapes) == 0
    paragraphs = [p.text for p in doc.paragraphs]
    assert {"各项比率与目标", "各类联系次数", "各月联系次数"} <= set(paragraphs)
    rows = {tuple(c.text for c in row.cells) for table in doc.tables for row in table.rows}
    assert ("指标", "实际", "目标") in rows
    assert ("结对覆盖率", "50.0%", "100.0%") in rows
    assert ("巩固率", "100.0%", "97.5%") in rows
    assert ("月份", "次数") in rows and ("2024-04", "2") in rows
    assert ("亲情电话", "2") in rows
    # an English document's labels need no Chinese font: its charts stay pictures, and nothing is said
    english = tmp_path / "summary-en.docx"
    result = ok(small("report", "summary", *PERIOD, "--out", str(english)))
    assert "no font" not in result.err
    assert len(document(english).inline_shapes) == 3


def test_format_docx_to_stdout_and_to_a_terminal(small, tmp_path, db):  # noqa: F811
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "lbc_cli", "--db", str(db), "report", "plan", "--year", "2025"]
    done = subprocess.run([*command, "--format", "docx", "--out", "-"], capture_output=True, timeout=120, cwd=root)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"PK")
    import docx

    assert docx.Document(BytesIO(done.stdout)).paragraphs[0].text.startswith("Care plan")
    # a document's bytes are not written on a terminal
    leader, follower = pty.openpty()
    try:
        refused = subprocess.run(
            [*command, "--format", "docx"], stdout=follower, stderr=subprocess.PIPE, timeout=120, cwd=root
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert refused.returncode == 2
    assert b"docx needs --out FILE" in refused.stderr


def test_out_named_docx_picks_the_format(small, tmp_path):  # noqa: F811
    target = tmp_path / "计划.docx"
    ok(small("report", "plan", "--year", "2025", "--out", str(target)))
    assert target.read_bytes().startswith(b"PK")
    assert document(target).paragraphs[0].style.name == "Title"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left


SOFFICE = shutil.which("soffice") or ("/usr/bin/soffice" if Path("/usr/bin/soffice").exists() else None)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed here: no PDF conversion to try")
def test_libreoffice_converts_every_document_to_pdf(small, tmp_path):  # noqa: F811
    made = []
    for report, lang in CASES:
        target = tmp_path / f"{report}-{lang}.docx"
        ok(small("--lang", lang, "report", *REPORTS[report], "--out", str(target)))
        made.append(target)
    out = tmp_path / "pdf"
    profile = tmp_path / "profile"
    done = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", str(out)]
        + [str(p) for p in made],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    for path in made:
        pdf = out / (path.stem + ".pdf")
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), (path.name, done.stdout, done.stderr)
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(out / "summary-zh.pdf"), "-"], capture_output=True, text=True, timeout=60
        ).stdout
        assert "农村留守儿童关爱工作总结" in text
        assert re.search(r"—\s*1\s*—", text)  # the page number, as the footer draws it


# ---- issue 21, the outside testers' findings -----------------------------------------------------------------


def demo_db(run, tmp_path) -> Path:
    """The demo's database: lbc.example.db copied (SQLite), or ``init --example`` (PostgreSQL)."""
    from conftest import ON_PG, copy_db, new_target

    root = Path(__file__).resolve().parent.parent
    if not ON_PG:
        return copy_db(root / "lbc.example.db", tmp_path / "demo.db")
    target = new_target(tmp_path / "demo.db")
    assert run("init", "--example", db=target).code == 0
    return target


def test_a_long_report_is_written_whole(small, tmp_path):  # noqa: F811
    """A template's table of 4,000 rows and 4,000 list items, written as XML (python-docx's add_row/cell() took
    minutes for such a document): every row there, formatted. Its speed is benchmarks/run.py's
    report_summary_docx, not a timed test."""
    folder = tmp_path / "long"
    folder.mkdir()
    (folder / "summary.md.j2").write_text(
        "# 长表\n\n各行如下：\n\n| 序号 | 日期 | 比率 |\n|---|---|---|\n"
        "{% for i in range(4000) %}| {{ i }} | 2025-09-06 | 100.0% |\n{% endfor %}\n"
        "{% for i in range(4000) %}- 第{{ i }}项\n{% endfor %}",
        encoding="utf-8",
    )
    target = tmp_path / "long.docx"
    ok(small("--lang", "zh", "report", "summary", *PERIOD, "--templates", str(folder), "--out", str(target)))
    doc = document(target)
    [table] = doc.tables
    assert len(table.rows) == 4001
    assert [c.text for c in table.rows[4000].cells] == ["3999", "2025-09-06", "100.0%"]
    assert all(east_asian(r) == "仿宋_GB2312" for r in runs(table._tbl))
    trs = table._tbl.findall(f"{W}tr")
    assert all(tr.find(f"{W}trPr/{W}cantSplit") is not None for tr in trs)
    assert [tr.find(f"{W}trPr/{W}tblHeader") is not None for tr in trs[:2]] == [True, False]
    items = [p.text for p in doc.paragraphs if p.text.startswith("•")]
    assert len(items) == 4000 and items[-1] == "•\u00a0\u00a0第3999项"


def test_core_properties_are_the_title_as_typed_and_now(small, tmp_path):  # noqa: F811
    import datetime

    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    doc, markdown = make(small, tmp_path, "child", "zh")
    after = datetime.datetime.now(datetime.UTC)
    props = doc.core_properties
    assert r"\*a\_b\*" in markdown.splitlines()[0]
    assert props.title == doc.paragraphs[0].text and "*a_b*" in props.title and "\\" not in props.title
    assert before <= props.created.replace(tzinfo=datetime.UTC) <= after  # not python-docx's 2013
    assert props.modified == props.created
    assert (props.author, props.last_modified_by, props.revision) == ("lbc", "lbc", 1)
    assert props.last_printed is None and props.comments == "" and props.subject == ""


def test_a_lead_in_keeps_with_its_table_and_columns_fit_their_dates(run, tmp_path):
    """A paragraph ending in a colon before a table is kept on the table's page; a date, a number or a
    percent is never broken across lines: its column is at least as wide as it; every table spans the text."""
    db = demo_db(run, tmp_path)
    target = tmp_path / "month.docx"
    result = run(
        "--lang", "zh", "report", "month", "--month", "2025-09", "--as-of", "2025-09-30", "--out", target, db=db
    )
    assert result.code == 0, result.err
    doc = document(target)
    body = list(doc.element.body)
    lead_ins = [e for e, nxt in zip(body, body[1:], strict=False) if e.tag == f"{W}p" and nxt.tag == f"{W}tbl"]
    assert lead_ins
    texts = ["".join(t.text for t in p.iter(f"{W}t")) for p in lead_ins]
    assert "已逾期的事项（最紧要的在前）：" in texts
    assert all(p.find(f"{W}pPr/{W}keepNext") is not None for p in lead_ins), texts
    text_width = 8844  # 210 - 28 - 26 = 156 mm, in twips (1/20 pt)
    size = 12  # the tables' type, pt (小四)
    for table in doc.tables:
        grid = [int(col.get(f"{W}w")) for col in table._tbl.find(f"{W}tblGrid")]
        assert abs(sum(grid) - text_width) <= 20  # every table as wide as the text
        for row in table.rows:
            for c, cell in enumerate(row.cells):
                for token in re.findall(r"\d{4}-\d{2}-\d{2}|\d+(?:\.\d+)?%?", cell.text):
                    # Times New Roman: digits half an em, '-' and '.' a third, '%' five sixths; margins 10.8 pt
                    em = sum(0.5 if ch.isdigit() else 0.84 if ch == "%" else 0.34 for ch in token)
                    assert grid[c] / 20 >= em * size + 10.8, (token, grid)
        # the header whole: a Chinese header of n characters takes n ems
        for c, cell in enumerate(table.rows[0].cells):
            assert grid[c] / 20 >= len(cell.text) * size + 10.8 or sum(grid) > text_width, (cell.text, grid)
    en = tmp_path / "summary-en.docx"
    result = run("report", "summary", "--from", "2025-01-01", "--to", "2025-09-30", "--out", en, db=db)
    assert result.code == 0, result.err
    for table in document(en).tables:
        grid = [int(col.get(f"{W}w")) for col in table._tbl.find(f"{W}tblGrid")]
        for row in table.rows:
            for c, cell in enumerate(row.cells):
                if re.fullmatch(r"\d+\.\d%", cell.text):  # 100.0% on one line
                    assert grid[c] / 20 >= (len(cell.text) - 1) * 0.5 * 10.5 + 0.84 * 10.5 + 10.8


def test_a_users_template_keeps_code_lines_headings_lists_and_no_remote_image(small, tmp_path):  # noqa: F811
    import zipfile

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "summary.md.j2").write_text(
        "# 我的总结\n\n## 一、概况\n\n### （一）分项\n\n#### 1. 细目\n\n正文 ~~旧的~~ 新的\n\n"
        "- 一级\n  - 二级\n    - 三级\n\n> 引用的话\n\n"
        "```mermaid\nflowchart TD\n    A[开始] --> B[结束]\n```\n\n"
        "![远程图](http://evil.example/x.png)\n",
        encoding="utf-8",
    )
    target = tmp_path / "mine.docx"
    ok(small("--lang", "zh", "report", "summary", *PERIOD, "--templates", str(folder), "--out", str(target)))
    doc = document(target)
    by_text = {p.text: p for p in doc.paragraphs}
    assert by_text["一、概况"].style.name == "Heading 1"
    assert by_text["（一）分项"].style.name == "Heading 3"
    assert east_asian(doc.styles["Heading 3"].element) == "楷体_GB2312"
    fourth = by_text["1. 细目"]
    assert fourth.style.name == "Normal" and all(r.bold for r in fourth.runs)
    assert fourth.paragraph_format.keep_with_next
    # strikethrough kept
    body = by_text["正文 旧的 新的"]
    assert [r.text for r in body.runs if r.font.strike] == ["旧的"]
    # nested lists indented by their level
    indents = [by_text[f"•\u00a0\u00a0{t}"].paragraph_format.left_indent for t in ("一级", "二级", "三级")]
    assert indents[0] < indents[1] < indents[2]
    quote = by_text["引用的话"]
    assert quote.paragraph_format.left_indent and quote.paragraph_format.left_indent > 0
    # a code block keeps its lines (one paragraph a line) in a monospace font
    texts = [p.text for p in doc.paragraphs]
    at = texts.index("flowchart TD")
    assert texts[at + 1] == "    A[开始] --> B[结束]"
    code_runs = doc.paragraphs[at].runs + doc.paragraphs[at + 1].runs
    assert {r._r.find(f"{W}rPr/{W}rFonts").get(f"{W}ascii") for r in code_runs} == {"Courier New"}
    # a remote picture is its alt text, never a reference the document would fetch
    assert "远程图" in texts
    with zipfile.ZipFile(target) as archive:
        for name in archive.namelist():
            assert b"evil.example" not in archive.read(name), name
    assert not [r for r in doc.part.rels.values() if r.is_external]
