"""Pinyin of names: the order a Chinese reader expects (陈 < 李 < 张) and initials (zsf -> 张三丰).

pypinyin's full package is slow to import and to call for a county's roster (benchmarks/README.md).
This reads pypinyin's own character table (its JSON file) once, converts
a character's reading when it is first met, and maps a name character by character, with the
usual readings of polyphonic surnames (曾 zeng, 单 shan...).
"""

import importlib.util
import json
import unicodedata
from functools import lru_cache
from pathlib import Path

# Surnames whose everyday reading is not the character's first reading in the table.
_SURNAMES = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "翟": "zhai",
    "乐": "yue",
    "覃": "qin",
    "尉": "yu",
    "缪": "miao",
    "盖": "ge",
    "种": "chong",
    "员": "yun",
    "召": "shao",
    "繁": "po",
    "长": "chang",
    "重": "chong",
    "万": "wan",
    "沈": "shen",
    "任": "ren",
    "华": "hua",
    "纪": "ji",
    "宁": "ning",
    "贾": "jia",
    "秘": "bi",
    "黑": "he",
    "阚": "kan",
    "过": "guo",
    "隗": "wei",
    "眭": "sui",
    "柏": "bai",
    "藏": "zang",
    "折": "she",
    "弗": "fu",
}


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    """pypinyin's table as it is stored: code point (decimal text) -> readings, comma-separated."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=65536)
def _reading(ch: str) -> str | None:
    """The first reading of one character, without tone marks; converted when first asked for."""
    readings = _table().get(str(ord(ch)))
    return _plain(readings.split(",")[0]) if readings else None


def _plain(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def syllables(name: str) -> list[str]:
    """One syllable per Han character; other runs (Latin letters, digits) kept lower-cased as words."""
    out: list[str] = []
    word = ""
    for index, ch in enumerate(name.strip()):
        reading = (_SURNAMES.get(ch) if index == 0 else None) or _reading(ch)
        if reading:
            if word:
                out.append(word)
                word = ""
            out.append(reading)
        elif ch.isspace() or ch in "·•.-":
            if word:
                out.append(word)
                word = ""
        else:
            word += ch.lower()
    if word:
        out.append(word)
    return out


def name_keys(name: str) -> tuple[str, str]:
    """(sort key, initials): ('zhang san feng', 'zsf') for 张三丰."""
    parts = syllables(name)
    return " ".join(parts), "".join(p[0] for p in parts if p)
