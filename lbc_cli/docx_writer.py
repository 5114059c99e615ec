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
        self.tables: list[str] = []  # the tables' XML, put in as the document is saved (``_put_tables``)
        self._end = self.doc.element.body.sectPr
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

    def _add_paragraph(self, style: str | None = None):
        """A paragraph at the body's end; python-docx's ``add_paragraph`` looks through the whole body for
        where to put it each time, which a county's report of 40,000 lines cannot wait for."""
        from docx.oxml import OxmlElement
        from docx.text.paragraph import Paragraph

        element = OxmlElement("w:p")
        self._end.addprevious(element)
        paragraph = Paragraph(element, self.doc._body)
        if style is not None:
            paragraph.style = style
        return paragraph

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
        """A paragraph's inline tokens as runs: bold, italic, struck-through and code kept; links as their text.
        The runs are written as XML and parsed at once: python-docx's ``add_run`` is ten times slower."""
        from docx.oxml import parse_xml

        runs = "".join(_run_xml(*seg) for seg in _segments(token, role, bold))
        paragraph._p.extend(list(parse_xml(f"<w:p {_NS}>{runs}</w:p>")))

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
                paragraph = self._paragraph(
                    tokens[i + 1], depth, quote, first=i > 0 and tokens[i - 1].type == "list_item_open"
                )
                if i + 3 < len(tokens) and tokens[i + 3].type == "table_open":
                    paragraph.paragraph_format.keep_with_next = True  # a lead-in stays on its table's page
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
                self._code(token, quote + len(depth))
            i += 1

    def _heading(self, tag: str, inline) -> None:
        """The first level-1 heading is the title; ## a level-1 heading (黑体), ### level 3 (楷体), and ####
        to ###### bold body text, as GB/T 9704's fourth level (仿宋 bold) is."""
        level = int(tag[1])
        if level == 1 and not self.titled:
            self.titled = True
            from docx.enum.text import WD_ALIGN_PARAGRAPH

            paragraph = self._add_paragraph(style="Title")
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._inline(paragraph, inline, "title")
            self.doc.core_properties.title = "".join(seg[0] for seg in _segments(inline, "title", False))
            return
        if level >= 4:
            paragraph = self._add_paragraph()
            paragraph.paragraph_format.keep_with_next = True
            if i18n.lang() == "zh":
                from docx.shared import Pt

                paragraph.paragraph_format.first_line_indent = Pt(_size("body") * 2)
            self._inline(paragraph, inline, "body", bold=True)
            return
        style, role = ("Heading 1", "heading1") if level <= 2 else ("Heading 3", "heading2")
        paragraph = self._add_paragraph(style=style)
        self._inline(paragraph, inline, role)

    def _paragraph(self, inline, depth: list, quote: int, *, first: bool):
        """A body paragraph: a list item indented by its level (its marker hanging), a quote indented by its
        depth, else (Chinese) its first line indented two characters. Written as XML, parsed once."""
        from docx.oxml import parse_xml
        from docx.text.paragraph import Paragraph

        size = _size("body")
        marker: list[tuple] = []
        if depth:
            indent = f'w:left="{round(size * 2 * (len(depth) + quote) * 20)}"'
            if first:
                ordered, number = depth[-1]
                indent += f' w:hanging="{round(size * 1.5 * 20)}"'
                marker = [
                    (f"{number}." if ordered else "•", "body", False, False, False, False),
                    ("\u00a0" if ordered else "\u00a0\u00a0", "body", False, False, False, False),
                ]
        elif quote:
            indent = f'w:left="{round(size * 2 * quote * 20)}"'
        elif i18n.lang() == "zh":
            indent = f'w:firstLine="{round(size * 2 * 20)}"'  # 首行缩进两字
        else:
            indent = ""
        runs = "".join(_run_xml(*seg) for seg in marker + _segments(inline, "body", False))
        ppr = f"<w:pPr><w:ind {indent}/></w:pPr>" if indent else ""
        element = parse_xml(f"<w:p {_NS}>{ppr}{runs}</w:p>")
        self._end.addprevious(element)
        return Paragraph(element, self.doc._body)

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
        cells = [[_segments(cell, "table", r < header) for cell in row] for r, row in enumerate(rows)]
        self._grid(cells, header)

    def _grid(self, rows: list[list[list]], header: int) -> None:
        """A bordered table (Table Grid) whose first ``header`` rows are bold and repeat atop each page, no row
        split across pages, as wide as the text; each cell's runs (``_segments``) in the table's fonts.

        The table is written as one XML string parsed once: python-docx's ``add_row``/``cell()`` takes minutes
        for a county's 40,000 rows (benchmarks/README.md, Issue 21), this takes seconds."""
        if not rows:
            return
        columns = max(len(row) for row in rows)
        texts = [["".join(seg[0] for seg in cell) for cell in row] for row in rows]
        widths = [w // 635 for w in _columns(texts, header, columns, _size("table"))]  # EMU -> twips
        ppr = (
            '<w:pPr><w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/>'
            '<w:ind w:firstLine="0"/></w:pPr>'
        )
        parts = [
            f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
            '<w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
            'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
            *(f'<w:gridCol w:w="{w}"/>' for w in widths),
            "</w:tblGrid>",
        ]
        cell_pr = [f'<w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>' for w in widths]
        for r, row in enumerate(rows):
            mark = '<w:tblHeader w:val="true"/>' if r < header else ""
            parts.append(f"<w:tr><w:trPr><w:cantSplit/>{mark}</w:trPr>")
            for c in range(columns):
                runs = "".join(_run_xml(*seg) for seg in row[c]) if c < len(row) else ""
                parts.append(f"<w:tc>{cell_pr[c]}<w:p>{ppr}{runs}</w:p></w:tc>")
            parts.append("</w:tr>")
        parts.append("</w:tbl>")
        self.tables.append("".join(parts))
        self._end.addprevious(_placeholder(len(self.tables) - 1))
        self._add_paragraph()  # air between the table and what follows

    def _code(self, token, indent: int = 0) -> None:
        name = charts.name_of(token.content) if token.info.strip().lower() == "mermaid" else None
        data = charts.chart(name, self.context) if name else None
        if data is not None:
            self._chart(data)
            return
        from docx.shared import Pt

        # one paragraph a line, in a monospace font, so a Mermaid flowchart or any code keeps its lines
        lines = token.content.rstrip("\n").split("\n")
        for n, line in enumerate(lines):
            paragraph = self._add_paragraph()
            fmt = paragraph.paragraph_format
            fmt.line_spacing = 1.0
            fmt.first_line_indent = Pt(0)
            fmt.left_indent = Pt(_size("body") * (1 + 2 * indent))
            fmt.keep_with_next = n < len(lines) - 1
            self._run(paragraph, line.replace("\t", "    "), "code")

    def _chart(self, data: "charts.Chart") -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm

        if charts.can_draw_png():
            paragraph = self._add_paragraph()
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
        caption = self._add_paragraph()
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        caption.paragraph_format.keep_with_next = True
        self._run(caption, data.title, "body", bold=True)
        rows = [list(data.header), *[list(row) for row in data.rows()]]
        self._grid(
            [[[(str(text), "table", r == 0, False, False, False)] for text in row] for r, row in enumerate(rows)], 1
        )


def _width(text: str) -> int:
    """How many half-width characters ``text`` takes (a Chinese character takes two)."""
    return sum(2 if _CJK.match(ch) else 1 for ch in text)


def _columns(texts: list[list[str]], header: int, columns: int, size: float) -> list[int]:
    """Column widths (EMU) filling the text's width (156 mm), so every table is as wide as the page's text.

    Each column gets at least its longest unbreakable piece (a date, a number, a percent, a Latin word; a
    header whole where the page allows), then the room left goes to the columns whose longest cell wants
    more, in proportion to what each wants (up to 40 half-width characters)."""
    from docx.shared import Mm, Pt

    page = int(Mm(210 - 28 - 26))

    def emu(units: float) -> int:
        return int(Pt(size * (units * 0.55 + 1.6)))  # + the cell's margins

    def column(c: int, rows) -> list[str]:
        return [row[c] for row in rows if c < len(row)]

    least = [emu(max((_unbroken(t) for t in column(c, texts)), default=1)) for c in range(columns)]
    heads = [emu(max((_width(t) for t in column(c, texts[:header])), default=0)) for c in range(columns)]
    if sum(max(a, b) for a, b in zip(least, heads, strict=True)) <= page:
        least = [max(a, b) for a, b in zip(least, heads, strict=True)]
    wanted = [
        max(emu(min(max((_width(t) for t in column(c, texts)), default=1), 40)), least[c]) for c in range(columns)
    ]
    if sum(least) >= page:
        return [int(w * page / sum(least)) for w in least]
    room, more = page - sum(least), [w - m for w, m in zip(wanted, least, strict=True)]
    if sum(more) <= room:  # everything fits whole: the rest spread in proportion to the widths
        extra = page - sum(wanted)
        return [w + int(extra * w / sum(wanted)) for w in wanted]
    return [m + int(room * x / sum(more)) for m, x in zip(least, more, strict=True)]


def _unbroken(text: str) -> int:
    """The width of ``text``'s longest piece no line may break: a run of characters that are neither spaces
    nor Chinese (a date, ``100.0%``, a word); a Chinese character breaks anywhere, so counts alone."""
    pieces = [_width(piece) for piece in re.split(r"[\s\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+", text)]
    return max([*pieces, 2 if _CJK.search(text) else 0, 1])


def _segments(inline, role: str, bold: bool) -> list[tuple]:
    """An inline token as runs to write: (text, role, bold, italic, struck, a line break after). Links are
    their text, and an image its alt text: a document never fetches anything from the network."""
    out: list[tuple] = []
    strong = emphasis = strike = 0
    for child in inline.children or []:
        kind = child.type
        if kind in ("strong_open", "strong_close"):
            strong += 1 if kind == "strong_open" else -1
        elif kind in ("em_open", "em_close"):
            emphasis += 1 if kind == "em_open" else -1
        elif kind in ("s_open", "s_close"):
            strike += 1 if kind == "s_open" else -1
        elif kind in ("text", "html_inline"):
            out.append((child.content, role, bold or strong > 0, emphasis > 0, strike > 0, False))
        elif kind == "code_inline":
            out.append(
                (child.content, "code" if role == "body" else role, bold or strong > 0, False, strike > 0, False)
            )
        elif kind == "softbreak":
            out.append(("" if _cjk_edge(inline, child) else " ", role, False, False, False, False))
        elif kind == "hardbreak":
            out.append(("", role, False, False, False, True))
        elif kind == "image":
            out.append((child.content, role, bold or strong > 0, True, strike > 0, False))
    return out


def _run_xml(text: str, role: str, bold: bool, italic: bool, strike: bool, brk: bool) -> str:
    """One run's XML, as ``_Writer._run`` makes it: both fonts named, the role's size."""
    from xml.sax.saxutils import escape

    latin_zh, latin_en, east, *_ = ROLES[role]
    latin = escape(latin_zh if i18n.lang() == "zh" else latin_en, {'"': "&quot;"})
    size = round(_size(role) * 2)
    flags = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "") + ("<w:strike/>" if strike else "")
    text = _XML_BAD.sub("", text)
    return (
        f'<w:r><w:rPr><w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east}" w:cs="{latin}"/>'
        f'{flags}<w:sz w:val="{size}"/></w:rPr><w:t xml:space="preserve">{escape(text)}</w:t>'
        + ("<w:br/>" if brk else "")
        + "</w:r>"
    )


_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _placeholder(n: int):
    """An empty element standing where table ``n`` goes; ``_put_tables`` puts the table's XML there."""
    from docx.oxml import OxmlElement

    element = OxmlElement("w:p")
    element.set(_w("lbcTable"), str(n))
    return element


def _put_tables(data: bytes, tables: list[str]) -> bytes:
    """The saved document with its tables' XML where their placeholders stand: written as text, never parsed
    into python-docx's tree, which for a county's 40,000 rows would take over a gigabyte."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            blob = source.read(info)
            if info.filename == "word/document.xml" and tables:
                pieces = re.split(rb'<w:p w:lbcTable="(\d+)"/>', blob)
                blob = b"".join(
                    tables[int(piece)].encode("utf-8") if k % 2 else piece for k, piece in enumerate(pieces)
                )
            target.writestr(info, blob, zipfile.ZIP_DEFLATED)
    return out.getvalue()


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _cjk_edge(inline, softbreak) -> bool:
    """A line break between two Chinese characters joins them with no space, as a browser does."""
    children = inline.children
    at = children.index(softbreak)
    before = children[at - 1].content[-1:] if at else ""
    after = children[at + 1].content[:1] if at + 1 < len(children) else ""
    return bool(_CJK.match(before) and _CJK.match(after))


def _now():
    """Now (UTC, whole seconds) for the document's created and modified dates; ``SOURCE_DATE_EPOCH``, where
    set, fixes it, so a build can make the same bytes twice."""
    import datetime
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).replace(tzinfo=None)
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0, tzinfo=None)


def to_docx(markdown: str, context: dict) -> bytes:
    """The report's Markdown (rendered from ``context``) as a .docx file's bytes; ``context`` draws its charts."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).parse(markdown)
    writer = _Writer(context)
    writer.write(tokens)
    properties = writer.doc.core_properties
    now = _now()
    properties.author = properties.last_modified_by = "lbc"  # not python-docx's template's
    properties.comments = properties.keywords = properties.subject = properties.category = ""
    properties.created = properties.modified = now
    for element in properties._element.findall("{*}lastPrinted"):  # the template's 2013 date
        properties._element.remove(element)
    properties.revision = 1
    package = writer.doc.part.package
    for key, rel in list(package.rels.items()):  # python-docx's template carries a picture of a blank page
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[key]
    buffer = io.BytesIO()
    writer.doc.save(buffer)
    return _put_tables(buffer.getvalue(), writer.tables)
