"""stdout carries data only; every message goes to stderr through these few functions."""

import os
import re
import sys

from lbc_cli import i18n
from lbc_cli.validate import mask_in_text


def _colour(stream) -> bool:
    """Colour on a terminal, unless NO_COLOR is set to anything but the empty string (no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


# Control characters, line and paragraph separators, and lone surrogates (bytes that were not UTF-8)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x9b\u2028\u2029\ud800-\udfff]")


def clean(text: str) -> str:
    """A message stays one line, harmless and private: a user's value may hold line breaks, terminal escapes or
    bytes that are no text, and a phone or id number in it is masked."""
    return mask_in_text(_CONTROL.sub("?", text))


def _emit(prefix: str, text: str, colour: str) -> None:
    stream = sys.stderr
    if _colour(stream) and prefix:
        prefix = f"\x1b[{colour}m{prefix}\x1b[0m"
    stream.write(f"{prefix}{clean(text)}\n")
    stream.flush()


def detail(text: str) -> None:
    """An indented line under an error (a candidate, a bad row)."""
    sys.stderr.write(f"  {clean(text)}\n")


def debug(text: str) -> None:
    """--debug's lines (a traceback): as they are, but that phones and id numbers are masked."""
    sys.stderr.write(mask_in_text(text.encode("utf-8", "replace").decode("utf-8")))
    sys.stderr.flush()


def info(text: str) -> None:
    _emit("", text, "0")


def warn(text: str) -> None:
    _emit(i18n.t("warning") + i18n.t("after_label"), text, "33")


def error(text: str) -> None:
    _emit("lbc: " + i18n.t("error") + i18n.t("after_label"), text, "31")


def out(text: str = "") -> None:
    """One line of data on stdout."""
    sys.stdout.write(text + "\n")
