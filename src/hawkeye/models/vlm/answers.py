"""Reading a score out of a language model's free-text answer, never crashing on it.

Models asked for "a single number" still say "Score: 3", "3/4", "**three**" or
"3. The taps slow down after 2 seconds". The parser looks, in order, for a
number after a keyword (score, rating, grade, answer), a number that opens
the answer, and a number that is the only one in it; a denominator ("/4",
"out of 4") and the scale itself ("0-4") are not candidates. Anything else is
``unparsable``; a number outside the label range is ``out_of_range``. Both
give a NaN score and keep the raw answer for the run's records.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

OK, OUT_OF_RANGE, UNPARSABLE = "ok", "out_of_range", "unparsable"
PARSE_STATUSES = (OK, OUT_OF_RANGE, UNPARSABLE)

WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_WORD = "|".join(WORDS)
# A number not glued to a word or another number; a leading minus only where it is a sign.
_NUM = rf"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])|\b(?:{_WORD})\b"
_NUM_RE = re.compile(_NUM, re.IGNORECASE)
_DENOMINATOR = re.compile(rf"\s*(?:/|\bout\s+of\b)\s*(?:\d+(?:\.\d+)?|{_WORD})\b", re.IGNORECASE)
_KEYWORD = re.compile(
    r"\b(?:score|rating|rated|grade|answer)\b"
    r"[^\w\-]{0,6}"
    r"(?:(?:is|of|would\s+be|should\s+be|be|as|a)\b[^\w\-]{0,4}){0,2}"
    rf"({_NUM})",
    re.IGNORECASE,
)
_ITEM = re.compile(r"\b(?:item|updrs)\W{0,3}\d+\.\d+", re.IGNORECASE)
_LEADING = re.compile(rf"^[^\w\-]*({_NUM})", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedAnswer:
    score: float  # NaN unless status is "ok"
    value: float  # the number read, NaN when none could be read
    status: str  # one of PARSE_STATUSES


def _number(token: str) -> float:
    token = token.lower()
    return float(WORDS[token]) if token in WORDS else float(token)


def _strip_scale(text: str, min_label: int, max_label: int) -> str:
    """Drop denominators and mentions of the scale so that they are not read as the score."""
    text = _DENOMINATOR.sub("", text)
    text = _ITEM.sub(" ", text)
    scale = rf"\b{min_label}\s*(?:-|\u2013|\u2014|to)\s*{max_label}\b(?:\s*scale)?"
    return re.sub(scale, " ", text, flags=re.IGNORECASE)


def _read(text: str) -> float | None:
    if m := _KEYWORD.search(text):
        return _number(m.group(1))
    if m := _LEADING.search(text):
        return _number(m.group(1))
    values = {_number(m.group(0)) for m in _NUM_RE.finditer(text)}
    return values.pop() if len(values) == 1 else None


def parse_score(answer: str | None, min_label: int = 0, max_label: int = 4) -> ParsedAnswer:
    """The score in ``answer``; a status instead of an exception for anything unusable."""
    if not isinstance(answer, str) or not answer.strip():
        return ParsedAnswer(math.nan, math.nan, UNPARSABLE)
    value = _read(_strip_scale(answer.strip(), min_label, max_label))
    if value is None or not math.isfinite(value):
        return ParsedAnswer(math.nan, math.nan, UNPARSABLE)
    if not min_label <= value <= max_label:
        return ParsedAnswer(math.nan, value, OUT_OF_RANGE)
    return ParsedAnswer(value, value, OK)
