"""lbc's help screens: Typer's layout (Rich panels) with lbc's words, in the session's language.

Drawn for lbc's command classes (``lbc_cli.cli.command_classes``) and imported only then: a command that
shows no help imports no Rich. Both languages are drawn alike: no metavar on a flag, kinds of value and
arguments in words (TEXT, CHILD / 文本, 儿童), ranges as ``1900–2199``.
"""

import inspect
from enum import Enum

from rich.align import Align
from rich.console import Console, Group, RenderableType
from rich.highlighter import RegexHighlighter
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.theme import Theme
from typer.core import TyperArgument, TyperGroup, TyperOption

from lbc_cli import i18n


class _Options(RegexHighlighter):
    highlights = [
        r"(^|\W)(?P<switch>\-\w+)(?![a-zA-Z0-9])",
        r"(^|\W)(?P<option>\-\-[\w\-]+)(?![a-zA-Z0-9])",
        r"(?P<types>\<[^\>]+\>)",
        r"(?P<usage>Usage: )",
        r"(?P<usage>用法：)",
    ]


class _NegativeOptions(RegexHighlighter):
    highlights = [
        r"(^|\W)(?P<negative_switch>\-\w+)(?![a-zA-Z0-9])",
        r"(^|\W)(?P<negative_option>\-\-[\w\-]+)(?![a-zA-Z0-9])",
    ]


class _Types(RegexHighlighter):
    highlights = [r"^(?P<types_sep>(\[|<))", r"(?P<types_sep>\|)", r"(?P<types_sep>(\]|>))(\.\.\.)?$"]


_options, _negative_options, _types = _Options(), _NegativeOptions(), _Types()
_THEME = {
    "option": "bold cyan",
    "switch": "bold green",
    "negative_option": "bold magenta",
    "negative_switch": "bold red",
    "types": "bold yellow",
    "types_sep": "dim",
    "usage": "yellow",
}
_TABLE = {"show_lines": False, "leading": 0, "box": None, "pad_edge": False, "padding": (0, 1)}


def draw(command, ctx) -> None:
    """Print the help of ``command``: its usage, its help text, a panel for each group of arguments and of
    options (``rich_help_panel``, else the plain one), and for a group a panel of its commands."""
    console = Console(theme=Theme(_THEME), highlighter=_options)
    console.print(Padding(_options(_usage(command, ctx)), 1), style="bold")
    if command.help:
        console.print(Padding(Align(_help_text(command), pad=False), (0, 1, 1, 1)))
    # the plain panels first, then the named ones in the order their first parameter comes
    arguments, options = {i18n.t("help_arguments"): []}, {i18n.t("help_options"): []}
    for param in command.get_params(ctx):
        if isinstance(param, TyperArgument | TyperOption) and not param.hidden:
            panels = arguments if isinstance(param, TyperArgument) else options
            panels.setdefault(param.rich_help_panel or next(iter(panels)), []).append(param)
    for name, params in [*arguments.items(), *options.items()]:
        if params:
            console.print(_params_panel(name, params, ctx))
    if isinstance(command, TyperGroup):
        _print_commands(command, ctx, console)
    if command.epilog:
        console.print(Padding(Align(_rich_text(command.epilog), pad=False), 1))


def _usage(command, ctx) -> str:
    """The usage line in the session's words: arguments by their names (``CHILD HELPER``, 儿童 帮扶人), an
    optional one in brackets, one that takes many followed by "..."."""
    words = {"[OPTIONS]": i18n.t("help_usage_options"), "COMMAND [ARGS]...": i18n.t("help_usage_command")}
    pieces = []
    for param in command.get_params(ctx):
        if isinstance(param, TyperArgument):
            name = _argument_name(param) + ("..." if param.nargs != 1 and not param.metavar else "")
            pieces.append(name if param.required else f"[{name}]")
    others = [words.get(piece, piece) for piece in command.collect_usage_pieces(ctx) if piece in words]
    if isinstance(command, TyperGroup):
        others = [piece for piece in others if piece != words["COMMAND [ARGS]..."]]
        pieces.append(words["COMMAND [ARGS]..."])
    return i18n.t("help_usage") + " ".join([ctx.command_path, *others, *pieces])


def _argument_name(param) -> str:
    """An argument as help shows it: its metavar, else its name; in English in capitals (CHILD), in Chinese
    in Chinese words (儿童)."""
    raw = param.display_name_raw
    return i18n.help_name(raw) if i18n.lang() == "zh" else raw.upper()


# Typer's names of the kinds of value, as lbc's English help shows them (Chinese: i18n.HELP_NAMES_ZH)
_TYPES_EN = {
    "<str>": "TEXT",
    "<int>": "INTEGER",
    "<int range>": "INTEGER",
    "<float>": "NUMBER",
    "<float range>": "NUMBER",
    "<path>": "PATH",
    "<list[str]>": "TEXT...",
    "<datetime>": "DATE",
}


def _type_text(param, ctx) -> str | None:
    """The kind of value a parameter takes, in the session's words, and none for a flag (it takes none)."""
    if isinstance(param, TyperOption) and param.is_flag:
        return None
    text = param.display_type_rich(ctx=ctx)
    if text is None:
        return None
    return i18n.help_name(text) if i18n.lang() == "zh" else _TYPES_EN.get(text, text)


def _rich_text(text: str, style: str = "") -> Text:
    """Help text as Typer's "rich" markup mode reads it: Rich markup, or the escapes of coloured text."""
    text = inspect.cleandoc(text)
    if "\033[" in text:
        return _options(Text.from_ansi(text, style=style))
    return _options(Text.from_markup(text, style=style))


def _help_text(command) -> Group:
    """The command's help: its first paragraph as it is, the rest dim, a deprecated command marked so."""
    parts: list[RenderableType] = []
    if command.deprecated:
        parts.append(Text(i18n.t("help_deprecated"), style="red"))
    first, *rest = inspect.cleandoc(command.help or "").partition("\f")[0].split("\n\n")
    if not first.startswith("\b"):
        first = first.replace("\n", " ")
    parts.append(_rich_text(first.strip()))
    if rest:
        parts += [Text(""), _rich_text("\n\n".join(rest), style="dim")]
    return Group(*parts)


def _params_panel(name: str, params: list, ctx) -> Panel:
    rows, stars = [], []
    for param in params:
        shown = None  # an argument is shown by its name (or metavar), where an option shows its short form
        if isinstance(param, TyperArgument):
            shown = _argument_name(param) + ("..." if param.metavar is None and param.nargs != 1 else "")
        long, short = _split_names(param.opts, shown)
        negative_long, negative_short = _split_names(param.secondary_opts, shown)
        kind = Text(style="bold yellow", overflow="fold")
        type_text = _type_text(param, ctx)
        if type_text is not None:
            kind.append(type_text)
        bounds = _range(param)
        if bounds:
            kind.append(f" [{bounds}]")
        stars.append(Text("*", style="red") if param.required else "")
        rows.append(
            [
                _options(",".join(long)),
                _options(",".join(short)),
                _negative_options(",".join(negative_long)),
                _negative_options(",".join(negative_short)),
                _types(kind),
                _param_help(param, ctx),
            ]
        )
    if any(stars):
        rows = [[star, *row] for star, row in zip(stars, rows, strict=True)]
    table = Table(highlight=True, show_header=False, expand=True, border_style=None, row_styles=None, **_TABLE)
    for row in rows:
        table.add_row(*row)
    return Panel(table, border_style="dim", title=name, title_align="left")


def _split_names(names: list[str], shown: str | None) -> tuple[list[str], list[str]]:
    long = [name for name in names if "--" in name]
    short = [shown or name for name in names if "--" not in name]
    return long, short


def _range(param) -> str | None:
    """An int or float option's bounds in words a reader knows (``1900–2199``, ``≥ 1``)."""
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if getattr(param, "count", False) and low == 0 and high is None:
        return None
    if low is None and high is None:
        return None
    if low is None:
        return f"≤ {high}"
    if high is None:
        return f"≥ {low}"
    return f"{low}–{high}"


def _param_help(param, ctx) -> Text:
    """An argument's or option's help text, then its default and whether it is required: one text that wraps
    (Rich's Columns cut a long line of Chinese, a list of accepted values, short with "…")."""
    items: list[Text] = []
    if param.help:
        paragraphs = [
            p.replace("\n", " ").strip() if not p.startswith("\b") else "{}\n".format(p.strip("\b\n"))
            for p in param.help.split("\n\n")
        ]
        items.append(_rich_text("\n".join(paragraphs).strip()))
    resilient, ctx.resilient_parsing = ctx.resilient_parsing, True  # the default as declared, not converted
    try:
        default = param.get_default(ctx, call=False)
    finally:
        ctx.resilient_parsing = resilient
    if isinstance(param.show_default, str) or (default is not None and (param.show_default or ctx.show_default)):
        shown = _default_text(param, default)
        if shown:
            items.append(Text(i18n.t("help_default", value=shown), style="dim"))
    if param.required:
        items.append(Text(i18n.t("help_required"), style="dim red"))
    text = Text(" ").join(items)
    if i18n.lang() == "zh":  # a list of choices wraps between them (Rich wraps at spaces; Chinese has none)
        text = Text("、 ").join(text.split("、", allow_blank=True))
    text.overflow = "fold"  # what still has no space to wrap at is folded, never cut short with "…"
    return text


def _default_text(param, default) -> str:
    """A default as Typer shows it: a flag pair by the name of its side, a list item by item."""
    if isinstance(param.show_default, str):
        return f"({param.show_default})"
    if isinstance(default, list | tuple):
        parts = [_default_text(param, item) for item in default]
        return ", ".join(parts) if any(parts) else ""
    if isinstance(default, Enum):
        return str(default.value)
    if inspect.isfunction(default):
        return i18n.t("help_dynamic")
    if isinstance(param, TyperOption) and param.is_bool_flag:
        if param.secondary_opts:
            side = param.opts[0] if param.default else param.secondary_opts[0]
            return side if i18n.lang() == "zh" else _without_prefix(side)  # in Chinese, the option as typed
        if not default:
            return ""
    return str(default)


def _without_prefix(name: str) -> str:
    """``--boarding`` -> ``boarding``."""
    if name[:1].isalnum():
        return name
    return name[2:] if name[1:2] == name[:1] else name[1:]


def _print_commands(group, ctx, console: Console) -> None:
    """The group's commands, in panels (``rich_help_panel``, else the plain one), each with its first paragraph."""
    panels: dict[str, list] = {i18n.t("help_commands"): []}
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is not None and not command.hidden:
            panels.setdefault(getattr(command, "rich_help_panel", None) or i18n.t("help_commands"), []).append(command)
    width = max((len(c.name or "") for commands in panels.values() for c in commands), default=0)
    for name, commands in panels.items():
        table = Table(highlight=False, show_header=False, expand=True, border_style=None, row_styles=None, **_TABLE)
        table.add_column(style="bold cyan", no_wrap=True, width=width)
        table.add_column("Description", justify="left", no_wrap=False, ratio=10)
        deprecated = [Text(i18n.t("help_deprecated"), style="red") if c.deprecated else None for c in commands]
        for command, mark in zip(commands, deprecated, strict=True):
            line = Text(command.name or "", style="dim" if command.deprecated else "")
            row = [line, _command_line(command.short_help or command.help or "")]
            table.add_row(*row, *([mark] if any(deprecated) else []))
        if table.row_count:
            console.print(Panel(table, border_style="dim", title=name, title_align="left"))


def _command_line(help_text: str) -> Text:
    first = inspect.cleandoc(help_text).split("\n\n")[0]
    if first.startswith("\b"):
        first = first.replace("\b\n", "")
    return _rich_text(first.strip())
