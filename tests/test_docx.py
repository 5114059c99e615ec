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
