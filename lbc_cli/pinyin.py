"""Pinyin of names: the order a Chinese reader expects (陈 < 李 < 张) and initials (zsf -> 张三丰).

A name is read as a person reads it: the family name by the surname's own reading (单 shan, 曾 zeng, 欧阳 ou yang:
data/surnames.tsv, its source named there), the given name as pypinyin's phrase-aware conversion reads it (长江 chang
jiang, 朝阳 zhao yang, 银行 yin hang). pypinyin's phrase data costs 0.2 s and 55 MB to load, so lbc keeps the part of it
a given name can meet: the two- and three-character phrases whose reading differs from their characters' first
readings (data/name_phrases.tsv, made from pypinyin's own data by ``python -m lbc_cli.pinyin``; benchmarks/README.md
has the measurements). The characters' readings come from pypinyin's character table (its JSON file), read once.
Names are converted when they are written, never when a command starts.

A name also has ``variants``: its initials and full pinyin under the characters' other readings (李长江 is typed
``lzj`` too), so that a lookup by initials finds it however it was read.
"""

import importlib.util
import itertools
import json
import unicodedata
from functools import lru_cache
from pathlib import Path

COLUMNS = ("name_pinyin", "name_initials", "name_variants")  # what ``derived`` gives, as models.DERIVED
_DATA = Path(__file__).with_name("data")
_LONGEST_PHRASE = 3
_MOST_VARIANTS = 32  # combinations of readings looked at for a name's variants (in the table's order)


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    """pypinyin's table as it is stored: code point (decimal text) -> readings, comma-separated."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _tsv(name: str) -> dict[str, list[str]]:
    """A data file: text <TAB> its syllables (tone marks kept), lines starting with # are comments."""
    out = {}
    for line in (_DATA / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            text, _tab, reading = line.partition("\t")
            out[text] = [_plain(s) for s in reading.split()]
    return out


@lru_cache(maxsize=1)
def _surnames() -> dict[str, list[str]]:
    return _tsv("surnames.tsv")


@lru_cache(maxsize=1)
def _phrases() -> dict[str, list[str]]:
    return _tsv("name_phrases.tsv")


@lru_cache(maxsize=65536)
def _readings(ch: str) -> tuple[str, ...]:
    """Every reading of one character, without tone marks, the first one first; () if it has none."""
    readings = _table().get(str(ord(ch)))
    if not readings:
        return ()
    return tuple(dict.fromkeys(_plain(r) for r in readings.split(",")))


def _reading(ch: str) -> str | None:
    readings = _readings(ch)
    return readings[0] if readings else None


def _plain(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _words(name: str) -> list[tuple[str, bool]]:
    """The name in runs: (a run of Han characters, True) or (a word of other letters and digits, False)."""
    name = name.strip()
    if all(map(_readings, name)):  # the usual name: Han characters alone, one run
        return [(name, True)] if name else []
    out: list[tuple[str, bool]] = []
    run, han = "", False
    for ch in name:
        if ch.isspace() or ch in "·•.-":
            if run:
                out.append((run, han))
            run = ""
            continue
        is_han = _reading(ch) is not None
        if run and is_han != han:
            out.append((run, han))
            run = ""
        run += ch if is_han else ch.lower()
        han = is_han
    if run:
        out.append((run, han))
    return out


def _given(run: str, phrases: dict | None = None) -> list[str]:
    """A given name's syllables: the longest phrase of the table at each place, else the character's first reading."""
    if phrases is None:
        phrases = _phrases() if len(run) > 1 else {}
    out: list[str] = []
    i = 0
    while i < len(run):
        for size in range(min(_LONGEST_PHRASE, len(run) - i), 1, -1):
            found = phrases.get(run[i : i + size])
            if found is not None:
                out.extend(_plain(s) for s in found)
                i += size
                break
        else:
            out.append(_reading(run[i]) or run[i])
            i += 1
    return out


@lru_cache(maxsize=65536)
def _given_name(run: str) -> tuple[str, ...]:
    """``_given`` of a name's given part (names share them: 建国, 欣怡)."""
    return tuple(_given(run))


def _family(run: str) -> tuple[int, tuple[str, ...]]:
    """(how many characters of ``run`` are the family name, its syllables)."""
    return _family_of(run[:2], len(run) > 2)


@lru_cache(maxsize=65536)
def _family_of(head: str, longer: bool) -> tuple[int, tuple[str, ...]]:
    """``_family`` of a run starting with ``head`` (its first two characters; ``longer``: more follow): a
    two-character surname only in a name longer than itself."""
    surnames = _surnames()
    for size in (2, 1):
        found = surnames.get(head[:size]) if longer or size == 1 else None
        if found is not None:
            return size, tuple(found)
    return 1, (_reading(head[0]) or head[0],)


def _read(name: str) -> list[tuple[str, ...]]:
    """Each syllable or word of a name with its other readings: (its reading, *its other readings)."""
    out: list[tuple[str, ...]] = []
    for index, (run, han) in enumerate(_words(name)):
        if not han:
            out.append((run,))
            continue
        start, syllables = _family(run) if index == 0 else (0, ())
        out += itertools.starmap(_options, zip(run, (*syllables, *_given_name(run[start:])), strict=True))
    return out


@lru_cache(maxsize=65536)
def _options(ch: str, syllable: str) -> tuple[str, ...]:
    """A character read as ``syllable``: that reading, then its other readings."""
    return (syllable, *(r for r in _readings(ch) if r != syllable))


@lru_cache(maxsize=65536)
def _initials(options: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(option[:1] for option in options)


def syllables(name: str) -> list[str]:
    """One syllable per Han character; other runs (Latin letters, digits) kept lower-cased as words."""
    return [options[0] for options in _read(name)]


def name_keys(name: str) -> tuple[str, str]:
    """(sort key, initials): ('zhang san feng', 'zsf') for 张三丰."""
    parts = syllables(name)
    return " ".join(parts), "".join(p[0] for p in parts if p)


def derived(name: str) -> dict[str, str]:
    """The columns a child's or helper's name gives: name_pinyin (the sort key), name_initials, and name_variants:
    the initials and the full pinyin (without spaces) under the characters' other readings, each between spaces
    (' lzj lizhangjiang ' for 李长江), '' when there are none."""
    read = _read(name)
    firsts = [options[0] for options in read]
    initials = [_initials(options) for options in read]
    key, spelled = " ".join(firsts), "".join([i[0] for i in initials])
    variants: dict[str, None] = {}
    if len(read) < sum(map(len, read)):  # some character has another reading
        # the first combinations of readings, in the table's order: each one's initials, then its full pinyin
        fulls = itertools.islice(itertools.product(*read), _MOST_VARIANTS)
        letters = itertools.islice(itertools.product(*initials), _MOST_VARIANTS)
        for full, first_letters in zip(fulls, letters, strict=True):
            variants["".join(first_letters)] = None
            variants["".join(full)] = None
        variants.pop(spelled, None)
        variants.pop("".join(firsts), None)
    return {
        "name_pinyin": key,
        "name_initials": spelled,
        "name_variants": f" {' '.join(variants)} " if variants else "",
    }


def _write_phrases() -> int:
    """data/name_phrases.tsv from pypinyin's phrase data: the two-character phrases whose reading is not their
    characters' first readings, then the three-character ones read otherwise than those would read them (what a given
    name read phrase by phrase can differ by)."""
    from pypinyin.phrases_dict import phrases_dict

    _phrases.cache_clear()
    found: dict[str, list[str]] = {}
    for size in (2, 3):
        for phrase, readings in sorted(phrases_dict.items()):
            spoken = [r[0] for r in readings]
            if len(phrase) == size and [_plain(s) for s in spoken] != _given(phrase, found):
                found[phrase] = spoken
    lines = [
        "# pypinyin's two- and three-character phrases a given name is read otherwise by than character by character",
        "# (made by `python -m lbc_cli.pinyin` from pypinyin's phrases_dict; do not edit by hand).",
        *(f"{phrase}\t{' '.join(spoken)}" for phrase, spoken in sorted(found.items())),
    ]
    (_DATA / "name_phrases.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(found)


if __name__ == "__main__":
    print(_write_phrases(), "phrases")  # noqa: T201
