"""A report as a Word document (``--format docx``), laid out after GB/T 9704, built from its rendered Markdown.

The document is made from the Markdown's tokens (markdown-it-py: headings, paragraphs with bold, italic and
code, lists, GFM tables, code blocks), so a user's own template works too and the document says what the
Markdown says; the parser undoes the Markdown escapes, so people's text reads as typed. A Mermaid block naming
a chart lbc knows becomes that chart's picture (``charts``), or its figures as a table where no font can draw
its Chinese labels. python-docx is imported only here.

Layout: A4, margins 37/35/28/26 mm (top, bottom, left, right); the title (the first level-1 heading) centred
in 方正小标宋简体 22pt (二号), headings in 黑体 16pt (三号), body in 仿宋_GB2312 16pt with 28pt lines. A
Chinese font is named as GB/T 9704 names it, and the document's font table gives Word and WPS its fallback
(方正小标宋简体 -> 黑体, 仿宋_GB2312 -> 仿宋, 楷体_GB2312 -> 楷体) for a computer without it. The East Asian
font is set on every run and every style, or Word and WPS ignore it. English documents take Times New Roman
and Arial for Latin text, in the same structure. Page numbers "— 1 —" centred in the footer.
"""

import io
import re

from lbc_cli import charts, console, i18n

# the East Asian fonts GB/T 9704 names, and what stands in where one is not installed
FALLBACK = {"方正小标宋简体": "黑体", "仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体"}
# role -> (Latin font zh, Latin font en, East Asian font, size pt zh, size pt en, bold)
ROLES = {
    "title": ("Times New Roman", "Arial", "方正小标宋简体", 22, 18, False),
    "heading1": ("Times New Roman", "Arial", "黑体", 16, 14, False),
    "heading2": ("Times New Roman", "Arial", "楷体_GB2312", 16, 13, False),
    "body": ("Times New Roman", "Times New Roman", "仿宋_GB2312", 16, 12, False),
    "table": ("Times New Roman", "Times New Roman", "仿宋_GB2312", 12, 10.5, False),
    "code": ("Courier New", "Courier New", "仿宋_GB2312", 10.5, 9, False),
    "footer": ("Times New Roman", "Times New Roman", "宋体", 14, 11, False),
}


def _w(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(f"w:{tag}")


def _set_fonts(rpr, role: str) -> None:
    """Name the run's or style's fonts (Latin and East Asian) outright: no theme font may win over them."""
    latin_zh, latin_en, east, *_ = ROLES[role]
    latin = latin_zh if i18n.lang() == "zh" else latin_en
    fonts = rpr.find(_w("rFonts"))
    if fonts is None:
        from docx.oxml import OxmlElement

        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for name in list(fonts.attrib):
        del fonts.attrib[name]
    for slot, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east), ("cs", latin)):
        fonts.set(_w(slot), value)


def _size(role: str) -> float:
    return ROLES[role][3] if i18n.lang() == "zh" else ROLES[role][4]


class _Writer:
    def __init__(self, context: dict) -> None:
        import docx

        self.context = context
        self.doc = docx.Document()
        self.titled = False
        self.warned = False
        self._styles()
        self._page()

    # ---- the page, the styles, the font table --------------------------------------------------------

    def _page(self) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm

        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(25)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(footer, "— ", "footer")
        self._field(footer, "PAGE", "1")
        self._run(footer, " —", "footer")

    def _field(self, paragraph, code: str, shown: str) -> None:
        """A field (``PAGE``) Word and WPS work out as they lay the pages: begin, code, separate, text, end."""
        from docx.oxml import OxmlElement

        for step in ("begin", "code", "separate", "shown", "end"):
            run = self._run(paragraph, shown if step == "shown" else "", "footer")
            if step == "code":
                instr = OxmlElement("w:instrText")
                instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                instr.text = f" {code} "
                run._r.append(instr)
            elif step != "shown":
                char = OxmlElement("w:fldChar")
                char.set(_w("fldCharType"), step)
                run._r.append(char)

    def _styles(self) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.shared import Pt, RGBColor

        styles = self.doc.styles
        defaults = styles.element.find(_w("docDefaults")).find(_w("rPrDefault")).find(_w("rPr"))
        _set_fonts(defaults, "body")
        language = defaults.find(_w("lang"))
        language.set(_w("val"), "zh-CN" if i18n.lang() == "zh" else "en-US")
        language.set(_w("eastAsia"), "zh-CN")
        zh = i18n.lang() == "zh"
        for name, role, before, after, centred in (
            ("Normal", "body", 0, 0, False),
            ("Title", "title", 0, 16, True),
            ("Heading 1", "heading1", 8, 4, False),
            ("Heading 2", "heading2", 6, 2, False),
            ("Heading 3", "heading2", 4, 2, False),
            ("Footer", "footer", 0, 0, True),
        ):
            style = styles[name]
            rpr = style.element.get_or_add_rPr()
            for tag in ("color", "u", "spacing", "kern", "i", "iCs"):
                for element in rpr.findall(_w(tag)):
                    rpr.remove(element)
            _set_fonts(rpr, role)
            style.font.size = Pt(_size(role))
            style.font.bold = ROLES[role][5] or (not zh and role.startswith("heading"))
            style.font.color.rgb = RGBColor(0, 0, 0)
            ppr = style.element.get_or_add_pPr()
            for element in ppr.findall(_w("pBdr")):  # the Title style's rule under it
                ppr.remove(element)
            fmt = style.paragraph_format
            fmt.space_before, fmt.space_after = Pt(before), Pt(after)
            if role in ("body", "heading1", "heading2"):
                fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
                fmt.line_spacing = Pt(28 if zh else 18)
            else:
                fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
            if centred:
                fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if role.startswith("heading"):
                fmt.keep_with_next = True
        table = styles["Table Grid"].element.get_or_add_rPr()
        _set_fonts(table, "table")
        self._font_table()

    def _font_table(self) -> None:
        """Declare the GB/T 9704 fonts with their fallback (``w:altName``), which Word and WPS use where the
        named font is not installed."""
        for part in self.doc.part.package.parts:
            if part.partname == "/word/fontTable.xml":
                entries = "".join(
                    f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
                    f'<w:family w:val="{"roman" if "宋" in name else "modern"}"/><w:pitch w:val="variable"/></w:font>'
                    for name, alt in FALLBACK.items()
                )
                for name in ("黑体", "仿宋", "楷体", "宋体"):
                    entries += (
                        f'<w:font w:name="{name}"><w:charset w:val="86"/><w:family w:val="modern"/>'
                        '<w:pitch w:val="fixed"/></w:font>'
                    )
                part._blob = part.blob.replace(b"</w:fonts>", entries.encode("utf-8") + b"</w:fonts>")

    # ---- runs and paragraphs ---------------------------------------------------------------------------

    def _run(self, paragraph, text: str, role: str, *, bold=False, italic=False):
        """A run of ``text`` in the fonts and size of its ``role`` (title, heading1, body, table, ...)."""
        from docx.shared import Pt

        run = paragraph.add_run(text)
        _set_fonts(run._r.get_or_add_rPr(), role)
        run.font.size = Pt(_size(role))
        if bold:
            run.bold = True
        if italic:
            run.italic = True
        return run

    def _inline(self, paragraph, token, role: str, *, bold: bool = False) -> None:
        """A paragraph's inline tokens as runs: bold, italic and code kept; links as their text."""
        strong = emphasis = 0
        for child in token.children or []:
            kind = child.type
            if kind == "strong_open":
                strong += 1
            elif kind == "strong_close":
                strong -= 1
            elif kind == "em_open":
                emphasis += 1
            elif kind == "em_close":
                emphasis -= 1
            elif kind == "text" or kind == "html_inline":
                self._run(paragraph, child.content, role, bold=bold or strong > 0, italic=emphasis > 0)
            elif kind == "code_inline":
                self._run(paragraph, child.content, "code" if role == "body" else role, bold=bold or strong > 0)
            elif kind == "softbreak":
                self._run(paragraph, "" if _cjk_edge(token, child) else " ", role)
            elif kind == "hardbreak":
                self._run(paragraph, "", role).add_break()
            elif kind == "image":
                self._run(paragraph, child.content, role, italic=True)

    # ---- the blocks -------------------------------------------------------------------------------------

    def write(self, tokens: list) -> None:
        i = 0
        depth: list[list] = []  # open lists: [ordered, next number]
        quote = 0
        while i < len(tokens):
            token = tokens[i]
            kind = token.type
            if kind == "heading_open":
                self._heading(token.tag, tokens[i + 1])
                i += 3
                continue
            if kind == "paragraph_open":
                self._paragraph(tokens[i + 1], depth, quote, first=i > 0 and tokens[i - 1].type == "list_item_open")
                i += 3
                continue
            if kind in ("bullet_list_open", "ordered_list_open"):
                depth.append([kind == "ordered_list_open", int(token.attrGet("start") or 1)])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                depth.pop()
            elif kind == "list_item_close" and depth and depth[-1][0]:
                depth[-1][1] += 1
            elif kind == "blockquote_open":
                quote += 1
            elif kind == "blockquote_close":
                quote -= 1
            elif kind == "table_open":
                close = next(j for j in range(i, len(tokens)) if tokens[j].type == "table_close")
                self._table(tokens[i:close])
                i = close
            elif kind in ("fence", "code_block"):
                self._code(token)
            i += 1

    def _heading(self, tag: str, inline) -> None:
        level = int(tag[1])
        if level == 1 and not self.titled:
            self.titled = True
            from docx.enum.text import WD_ALIGN_PARAGRAPH

            paragraph = self.doc.add_paragraph(style="Title")
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._inline(paragraph, inline, "title")
            self.doc.core_properties.title = inline.content
            return
        style, role = ("Heading 1", "heading1") if level <= 2 else ("Heading 2", "heading2")
        paragraph = self.doc.add_paragraph(style=style)
        self._inline(paragraph, inline, role)

    def _paragraph(self, inline, depth: list, quote: int, *, first: bool) -> None:
        from docx.shared import Pt

        paragraph = self.doc.add_paragraph()
        fmt = paragraph.paragraph_format
        size = _size("body")
        if depth:
            indent = size * 2 * len(depth)
            fmt.left_indent = Pt(indent)
            if first:
                ordered, number = depth[-1]
                fmt.first_line_indent = Pt(-size * 1.5)
                self._run(paragraph, f"{number}." if ordered else "•", "body")
                self._run(paragraph, "\u00a0" if ordered else "\u00a0\u00a0", "body")
        elif quote:
            fmt.left_indent = Pt(size * 2 * quote)
        elif i18n.lang() == "zh":
            fmt.first_line_indent = Pt(size * 2)  # 首行缩进两字
        self._inline(paragraph, inline, "body")

    def _table(self, tokens: list) -> None:
        rows: list[list] = []
        header = 0
        for token in tokens:
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline" and rows:
                rows[-1].append(token)
            elif token.type == "thead_close":
                header = len(rows)
        widths = [[_width(cell.content) for cell in row] for row in rows]
        self._grid(
            rows, header, widths, lambda paragraph, cell, bold: self._inline(paragraph, cell, "table", bold=bold)
        )

    def _grid(self, rows: list[list], header: int, widths: list[list[int]], fill) -> None:
        """A bordered table (Table Grid) whose first ``header`` rows are bold and repeat atop each page; its
        columns as wide as their longest text (``widths``, in half-width characters) asks, within the page."""
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.oxml import OxmlElement
        from docx.shared import Pt

        if not rows:
            return
        columns = max(len(row) for row in rows)
        table = self.doc.add_table(rows=len(rows), cols=columns, style="Table Grid")
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for c, width in enumerate(_columns(widths, columns, _size("table"))):
            table.columns[c].width = width  # the grid LibreOffice and WPS lay out by
            for cell in table.columns[c].cells:
                cell.width = width
        for r, row in enumerate(rows):
            if r < header:
                mark = OxmlElement("w:tblHeader")
                mark.set(_w("val"), "true")
                table.rows[r]._tr.get_or_add_trPr().append(mark)
            cant_split = OxmlElement("w:cantSplit")
            table.rows[r]._tr.get_or_add_trPr().insert(0, cant_split)
            for c, cell in enumerate(row):
                paragraph = table.cell(r, c).paragraphs[0]
                paragraph.paragraph_format.first_line_indent = Pt(0)
                paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(1)
                paragraph.paragraph_format.line_spacing = 1.0
                fill(paragraph, cell, r < header)
        self.doc.add_paragraph()  # air between the table and what follows

    def _code(self, token) -> None:
        name = charts.name_of(token.content) if token.info.strip().lower() == "mermaid" else None
        data = charts.chart(name, self.context) if name else None
        if data is not None:
            self._chart(data)
            return
        from docx.shared import Pt

        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.line_spacing = 1.0
        paragraph.paragraph_format.left_indent = Pt(_size("body"))
        lines = token.content.rstrip("\n").split("\n")
        for n, line in enumerate(lines):
            run = self._run(paragraph, line, "code")
            if n < len(lines) - 1:
                run.add_break()

    def _chart(self, data: "charts.Chart") -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm

        if charts.can_draw_png():
            paragraph = self.doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.line_spacing = 1.0
            paragraph.paragraph_format.first_line_indent = 0
            paragraph.paragraph_format.space_after = Mm(3)
            run = self._run(paragraph, "", "body")
            run.add_picture(io.BytesIO(charts.png(data)), width=Mm(150))
            return
        if not self.warned:
            self.warned = True
            console.warn(i18n.t("chart_no_font"))
        caption = self.doc.add_paragraph()
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(caption, data.title, "body", bold=True)
        rows = [list(data.header), *[list(row) for row in data.rows()]]
        widths = [[_width(text) for text in row] for row in rows]
        self._grid(rows, 1, widths, lambda paragraph, text, bold: self._run(paragraph, text, "table", bold=bold))


def _width(text: str) -> int:
    """How many half-width characters ``text`` takes (a Chinese character takes two)."""
    return sum(2 if _CJK.match(ch) else 1 for ch in text)


def _columns(widths: list[list[int]], columns: int, size: float) -> list:
    """Column widths (EMU) from the longest cell of each, between 4 characters and the text's width (156 mm)."""
    from docx.shared import Mm, Pt

    page = Mm(210 - 28 - 26)
    wanted = [max((row[c] for row in widths if c < len(row)), default=0) for c in range(columns)]
    emu = [Pt(size * (max(min(w, 40), 4) * 0.6 + 2)) for w in wanted]  # + the cell's margins
    total = sum(emu)
    if total > page:
        emu = [int(w * page / total) for w in emu]
    return emu


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _cjk_edge(inline, softbreak) -> bool:
    """A line break between two Chinese characters joins them with no space, as a browser does."""
    children = inline.children
    at = children.index(softbreak)
    before = children[at - 1].content[-1:] if at else ""
    after = children[at + 1].content[:1] if at + 1 < len(children) else ""
    return bool(_CJK.match(before) and _CJK.match(after))


def to_docx(markdown: str, context: dict) -> bytes:
    """The report's Markdown (rendered from ``context``) as a .docx file's bytes; ``context`` draws its charts."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark", {"html": False}).enable("table").parse(markdown)
    writer = _Writer(context)
    writer.write(tokens)
    properties = writer.doc.core_properties
    properties.author = properties.last_modified_by = "lbc"
    properties.comments = properties.keywords = properties.subject = ""
    package = writer.doc.part.package
    for key, rel in list(package.rels.items()):  # python-docx's template carries a picture of a blank page
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[key]
    buffer = io.BytesIO()
    writer.doc.save(buffer)
    return buffer.getvalue()
