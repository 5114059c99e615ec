"""The summary's charts, drawn offline by matplotlib: inline SVG for a page, PNG pictures for a Word document.

A packaged template names its chart on the first line of a Mermaid block (``%% chart: contacts_by_kind``);
the HTML and docx writers put that chart, drawn from the report's own context, where the block stood, so the
Markdown, the page and the document never disagree. A block naming no chart lbc knows (a user's own) stays
code. matplotlib is imported only here, inside the functions that draw.
"""

import re
from functools import cache
from typing import NamedTuple

from lbc_cli import i18n

# the first line of a Mermaid block that names its chart
NAMED = re.compile(r"\A\s*%%\s*chart:\s*([A-Za-z_][\w-]*)\s*(?:\n|\Z)")
# installed fonts that draw Chinese, by family name, the most readable on a chart first
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "SimHei",
    "DengXian",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "SimSun",
    "NSimSun",
    "AR PL UMing CN",
    "Droid Sans Fallback",
)
_RATES = (
    ("archive_complete_rate", "archive_rate", "chart_archive_rate"),
    ("in_school_rate", "in_school_rate", "chart_in_school_rate"),
    ("retention_rate", "retention_rate", "chart_retention_rate"),
    ("paired_rate", None, "chart_paired_rate"),  # every child paired: the target is 100%
)


class Chart(NamedTuple):
    """One chart's figures: its ``title``, the ``header`` of its table (label, value[, target]), and per bar
    a ``label``, a ``value`` and (rates) a ``target``; ``percent``: values are fractions shown as %."""

    name: str
    title: str
    header: tuple[str, ...]
    labels: list[str]
    values: list[float]
    targets: list[float] | None = None
    percent: bool = False

    def rows(self) -> list[tuple[str, ...]]:
        """The figures as a table's rows (the chart where no picture can be drawn)."""
        shown = [_pct(v) if self.percent else str(v) for v in self.values]
        if self.targets is None:
            return list(zip(self.labels, shown, strict=True))
        return list(zip(self.labels, shown, [_pct(v) for v in self.targets], strict=True))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def name_of(code: str) -> str | None:
    """The chart a Mermaid block's code names on its first line, or None."""
    match = NAMED.match(code)
    return match[1] if match else None


def chart(name: str, context: dict) -> Chart | None:
    """The figures of the chart ``name`` from a report's context; None for a name lbc does not know or a
    context without its figures (a chart named in another report's template)."""
    try:
        if name == "contacts_by_kind":
            kinds = context["contacts_by_kind"]
            return Chart(
                name,
                i18n.t("chart_contacts_by_kind"),
                (i18n.t("chart_kind"), i18n.t("chart_contacts")),
                [i18n.label("kind", kind) for kind in kinds],
                [int(n) for n in kinds.values()],
            )
        if name == "contacts_by_month":
            months = context["contacts_by_month"]
            return Chart(
                name,
                i18n.t("chart_contacts_by_month"),
                (i18n.t("chart_month"), i18n.t("chart_contacts")),
                [str(row["month"]) for row in months],
                [int(row["total"]) for row in months],
            )
        if name == "rates":
            targets = context["targets"]
            return Chart(
                name,
                i18n.t("chart_rates"),
                (i18n.t("chart_measure"), i18n.t("chart_actual"), i18n.t("chart_target")),
                [i18n.t(key) for _rate, _target, key in _RATES],
                [context[rate] for rate, _target, _key in _RATES],
                [targets[target] if target else 1.0 for _rate, target, _key in _RATES],
                percent=True,
            )
    except (KeyError, TypeError, AttributeError):
        return None
    return None


@cache
def cjk_font() -> str | None:
    """The family name of an installed font that draws Chinese (matplotlib's font list), or None."""
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in CJK_FONTS:
        if family in installed:
            return family
    return next((family for family in sorted(installed) if "CJK SC" in family), None)


def can_draw_png() -> bool:
    """Whether a picture's labels can be drawn: in a Chinese session, only with a Chinese font installed."""
    return i18n.lang() != "zh" or cjk_font() is not None


def _figure(data: Chart):
    """The matplotlib figure of ``data`` (Agg, never a window): bars with their figures written on them."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    family = [cjk_font()] if cjk_font() else []
    matplotlib.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [*family, "DejaVu Sans"],
            "font.size": 11,
            "axes.unicode_minus": False,
            "svg.fonttype": "none",
            "svg.hashsalt": f"lbc-{data.name}",
        }
    )
    count = len(data.labels)
    across = data.name == "contacts_by_month"
    height = 3.4 if across else max(2.4, 0.9 + 0.42 * count)
    figure = Figure(figsize=(6.4, height), layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(data.title, fontsize=14)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if not count:
        axes.set_axis_off()
        axes.text(0.5, 0.5, i18n.t("chart_none"), ha="center", va="center", fontsize=12, transform=axes.transAxes)
        return figure
    values = [(v or 0) * 100 if data.percent else v for v in data.values]
    written = [_pct(v) if data.percent else str(v) for v in data.values]
    if across:
        bars = axes.bar(range(count), values, color="#4472c4")
        axes.set_xticks(
            range(count), data.labels, rotation=45 if count > 6 else 0, ha="right" if count > 6 else "center"
        )
        axes.set_ylabel(data.header[1])
        axes.bar_label(bars, labels=[w if v else "" for w, v in zip(written, values, strict=True)], padding=2)
        axes.margins(y=0.15)
    else:
        places = list(range(count))[::-1]  # the first label on top
        bars = axes.barh(places, values, color="#4472c4", height=0.6, label=data.header[1])
        axes.set_yticks(places, data.labels)
        if data.targets is not None:  # the figure inside its bar, clear of the target's mark (beside a short one)
            for place, value, text in zip(places, values, written, strict=True):
                inside = value >= 20
                axes.text(
                    value / 2 if inside else value + 1.5,
                    place,
                    text,
                    ha="center" if inside else "left",
                    va="center",
                    color="white" if inside else "black",
                    fontweight="bold",
                )
            axes.vlines(
                [t * 100 for t in data.targets],
                [p - 0.4 for p in places],
                [p + 0.4 for p in places],
                colors="#c00000",
                linewidth=2,
                label=data.header[2],
            )
            axes.set_xlim(0, 115)
            axes.xaxis.set_major_formatter("{x:.0f}%")
            figure.legend(loc="outside lower center", fontsize=10, frameon=False, ncols=2)
        else:
            axes.bar_label(bars, labels=written, padding=3)
            axes.margins(x=0.15)
    return figure


def _drawn(data: Chart, fmt: str, **options) -> bytes:
    import io
    import logging

    figure = _figure(data)
    buffer = io.BytesIO()
    quiet = logging.getLogger("matplotlib.font_manager")  # no Chinese font: the SVG's text is the browser's to draw
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Glyph missing": measured with a Latin font only
            figure.savefig(buffer, format=fmt, metadata=_NO_METADATA[fmt], **options)
    finally:
        quiet.setLevel(level)
    return buffer.getvalue()


_NO_METADATA = {
    "svg": {"Creator": None, "Date": None, "Format": None, "Type": None},
    "png": {"Software": None},
}


def svg(data: Chart) -> str:
    """The chart as an ``<svg>`` element to inline in a page: its text left as text (the browser draws
    Chinese in its own fonts), no XML prolog, no script, no reference to anything outside, ids made its own."""
    text = _drawn(data, "svg").decode("utf-8")
    text = text[text.index("<svg") :]
    text = re.sub(r'\s+xmlns(?::\w+)?="[^"]*"', "", text)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{data.name}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{data.name}-\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{data.name}-\1"', text)
    text = text.replace("*{stroke", ".lbc-chart *{stroke", 1)  # its style for its own drawing, not the page's
    label = data.title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return (
        text.replace(
            "<svg", f'<svg class="lbc-chart" style="max-width: 100%; height: auto" role="img" aria-label="{label}"', 1
        ).strip()
        + "\n"
    )


def png(data: Chart) -> bytes:
    """The chart as a PNG picture (200 dpi) for a Word document."""
    return _drawn(data, "png", dpi=200)


_MERMAID = re.compile(r'<pre><code class="language-mermaid">(.*?)</code></pre>\n?', re.S)


def inline_in_html(body: str, context: dict) -> str:
    """A rendered page's body with each Mermaid block that names a chart lbc knows replaced by that chart,
    drawn from ``context`` as inline SVG; other blocks stay code."""
    from html import unescape

    def replace(match: re.Match) -> str:
        name = name_of(unescape(match[1]))
        data = chart(name, context) if name else None
        if data is None:
            return match[0]
        return f'<figure class="chart">\n{svg(data)}</figure>\n'

    return _MERMAID.sub(replace, body)
