"""stdout carries data only; every message goes to stderr through these few functions."""

import os
import re
import sys

from lbc_cli import i18n


def _colour(stream) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


_CONTROL = re.compile(r"[\x00-\x1f\x7f\x9b\u2028\u2029]")


def clean(text: str) -> str:
    """A message stays one line and harmless: a user's value may hold line breaks or terminal escapes."""
    return _CONTROL.sub("?", text)


def _emit(prefix: str, text: str, colour: str) -> None:
    stream = sys.stderr
    if _colour(stream) and prefix:
        prefix = f"\x1b[{colour}m{prefix}\x1b[0m"
    stream.write(f"{prefix}{clean(text)}\n")
    stream.flush()


def detail(text: str) -> None:
    """An indented line under an error (a candidate, a bad row)."""
    sys.stderr.write(f"  {clean(text)}\n")


def info(text: str) -> None:
    _emit("", text, "0")


def warn(text: str) -> None:
    _emit(i18n.t("warning") + ": ", text, "33")


def error(text: str) -> None:
    _emit("lbc: " + i18n.t("error") + ": ", text, "31")


def out(text: str = "") -> None:
    """One line of data on stdout."""
    sys.stdout.write(text + "\n")
