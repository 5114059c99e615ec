"""Every new row's uid: a time-ordered UUID, version 7 (RFC 9562), made here and nowhere else.

Layout: 48 bits of Unix time in milliseconds, the version 7, 12 bits, the variant 10, 62 bits. The 12
bits and the next 30 are a counter that starts at a random value each millisecond and goes up by one
for each uid; the last 32 bits are random. Uids made in one process come out in increasing order, so a
table's unique uid index takes each new row at its end instead of at a random page. Python 3.11 has no
``uuid.uuid7``; a bulk import asks for a chunk's uids at once (``new_uids``), one C-level format each.
"""

import os
import threading
import time
from array import array
from itertools import repeat
from operator import lshift, or_

_COUNTER_BITS = 42  # rand_a (12 bits), 14 bits after the variant, and 16 bits of the last group
_LAST_BITS = 16  # the counter's bits in the last group, above its 32 random bits
_lock = threading.Lock()
_last = [0, 0]  # the millisecond and the counter of the last uid made


def new_uid() -> str:
    """One new uid, as text (36 characters, lower-case hex)."""
    return new_uids(1)[0]


def new_uids(n: int) -> list[str]:
    """``n`` new uids, each greater than the one before and than any made earlier in this process."""
    runs = []  # (millisecond, first counter, count): stretches that share everything but the last group
    with _lock:
        millisecond, counter = _last
        now = time.time_ns() // 1_000_000
        if now > millisecond:  # a new millisecond: the counter starts at random, with room to count up
            millisecond, counter = now, _random_start()
        else:
            counter += 1
        while n:
            if counter >> _COUNTER_BITS:  # used up: borrow the next millisecond (RFC 9562, section 6.2)
                millisecond, counter = millisecond + 1, _random_start()
            count = min(n, (1 << _LAST_BITS) - (counter & 0xFFFF))
            runs.append((millisecond, counter, count))
            counter += count
            n -= count
        _last[:] = millisecond, counter - 1
    out: list[str] = []
    for millisecond, first, count in runs:
        middle = 0x8000 | (first >> 16) & 0x3FFF  # the variant, then the counter's next 14 bits
        head = f"{millisecond >> 16:08x}-{millisecond & 0xFFFF:04x}-7{first >> 30:03x}-{middle:04x}-"
        low = first & 0xFFFF
        lasts = map(or_, map(lshift, range(low, low + count), repeat(32)), array("I", os.urandom(4 * count)))
        out.extend(map(f"{head}{{:012x}}".format, lasts))
    return out


def _random_start() -> int:
    return int.from_bytes(os.urandom(6)) >> 7  # 41 bits: the counter's top bit clear, 2**41 uids of room
