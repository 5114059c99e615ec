"""The classes of lbc's commands and groups (``cls=``): Typer's, with help screens in lbc's words.

Typer draws help with English words of its own (Options, [required], the help option's line) and, to draw
it, imports Markdown and traceback support that lbc does not use. Click asks a command for its help
(``format_help``) and its help option (``get_help_option``); lbc's answer them with ``help_screen``, the
panels Typer draws with the words of ``i18n`` (``help_*``).
"""

from typer.core import TyperCommand, TyperGroup

from lbc_cli import i18n


class LbcCommand(TyperCommand):
    """A command whose help is drawn by lbc."""

    def format_help(self, ctx, formatter) -> None:
        from lbc_cli.cli import help_screen

        help_screen.draw(self, ctx)

    def get_help_option(self, ctx):
        return _in_words(super().get_help_option(ctx))


class LbcGroup(TyperGroup):
    """A group of commands whose help is drawn by lbc."""

    def format_help(self, ctx, formatter) -> None:
        from lbc_cli.cli import help_screen

        help_screen.draw(self, ctx)

    def get_help_option(self, ctx):
        return _in_words(super().get_help_option(ctx))


def _in_words(option):
    """The help option, its line in the session's language."""
    if option is not None:
        option.help = i18n.t("help_option")
    return option
