"""Line-level cleaning of OCR'd gazette text: markup residue, line-wrap spaces, punctuation.

The converters that produce gazette text leave three kinds of noise on every line:

* Markdown/HTML residue: ``### 一、…`` headings, ``- `` bullets, ``> `` quotes, ``**bold**``,
  ``<p>``/``<b>``/``<sub>``/``<input type="checkbox"/>`` tags.
* Spaces where the printed line wrapped (``…外资推 动经济…``), inside numbers and dates
  (``2020 年 8 月 20 日``) and in padded names (``张 祥``).
* Half-width punctuation in Chinese context (``各县(市、区)人民政府,``) and the odd English
  ``and`` that a conversion model wrote for 和.

The functions here are pure and idempotent: ``clean_line(clean_line(x)) == clean_line(x)``.

>>> clean_line("- (二)严格落实 放宽市场准入,深化金融业开放。(市 发改委负责)")
'（二）严格落实放宽市场准入，深化金融业开放。（市发改委负责）'
>>> clean_line("> 朔州市人民政府 2020 年 8 月 20 日")
'朔州市人民政府2020年8月20日'
"""

from __future__ import annotations

import re

# --- character classes --------------------------------------------------------------------------

# Han ideographs (BMP blocks, compatibility ideographs, supplementary planes) and 々〇.
IDEO = "\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Everything that counts as "Chinese context" for spacing: ideographs plus CJK/full-width
# punctuation, general punctuation (— … “ ” ‘ ’), Roman numerals Ⅰ-Ⅻ, circled numbers ①-⑳,
# geometric shapes (□ ○ ★).
CJK = IDEO + "\u2010-\u2027\u2030-\u205e\u2150-\u218f\u2460-\u24ff\u25a0-\u26ff\u3000-\u303f\ufe30-\ufe4f\uff00-\uffef"

_SPACE = " "  # after _TRANSLATE every horizontal whitespace is a plain space

# One pass of str.translate: full-width digits and Latin letters to ASCII, exotic spaces (and
# tabs) to a plain space, zero-width characters and stray BOMs dropped.
_TRANSLATE: dict[int, int | None] = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}
_TRANSLATE.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})
_TRANSLATE.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})
_TRANSLATE.update({c: 0x20 for c in (0x09, 0x0B, 0x0C, 0xA0, 0x1680, 0x202F, 0x205F, 0x3000, *range(0x2000, 0x200B))})
_TRANSLATE.update({c: None for c in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD)})
# str.translate with a dict walks every character in Python-level lookups; most lines need no
# change at all, so a regex over the table's keys decides first (measured: 4x less time here).
_NEEDS_TRANSLATE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TRANSLATE)) + "]")


def _translate(text: str) -> str:
    return text.translate(_TRANSLATE) if _NEEDS_TRANSLATE.search(text) else text


# --- markup ---------------------------------------------------------------------------------------

_LEAD_MARKUP = re.compile(r"^\s*(?:#{1,6}\s*|>\s*|[-*+•]\s+)+")
_CHECKBOX = re.compile(r"<input\b[^<>]*\btype\s*=\s*[\"']?checkbox[^<>]*>", re.I)
_BREAK_TAG = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_BOLD = re.compile(r"\*\*+")  # not __: forms print blanks to fill in as "_____"
_INLINE_MARKUP = re.compile(
    f"(?P<box>{_CHECKBOX.pattern})|(?P<br>{_BREAK_TAG.pattern})|{_TAG.pattern}|{_BOLD.pattern}", re.I
)
# Cheap test for "this line may hold residue" (a superset of what one stripping pass changes).
_LEAD_HINT = re.compile(r"\s*(?:#|>|[-*+•]\s)")
_TAG_HINT = re.compile(r"<[A-Za-z/]")


def _has_markup(line: str) -> bool:
    # Substring tests run in C; an unanchored regex over every line cost more than the stripping.
    return (_LEAD_HINT.match(line) is not None or "**" in line
            or ("<" in line and _TAG_HINT.search(line) is not None))


def _inline_repl(m: re.Match[str]) -> str:
    return "□" if m.group("box") else " " if m.group("br") else ""


def strip_markup(line: str) -> str:
    """Remove Markdown/HTML residue, keeping the text inside it.

    Leading ``#``..``######``, ``- ``/``* ``/``+ `` bullets (also indented) and ``> `` quotes go,
    ``**bold**`` marks and HTML tags go (their inner text stays), ``<br>`` becomes a space and a
    checkbox ``<input type="checkbox"/>`` becomes ``□`` so that the options of a form stay apart.

    >>> strip_markup("### 第五条 行政审批专家应具备以下条件:")
    '第五条 行政审批专家应具备以下条件:'
    >>> strip_markup("  - **第二十条** <p>中介</p>服务 5 <sub>F</sub>")
    '第二十条 中介服务 5 F'
    """
    for _ in range(8):  # residue can nest (``- **### x**``); stop at the fixed point
        if not _has_markup(line):
            break
        new = _LEAD_MARKUP.sub("", _INLINE_MARKUP.sub(_inline_repl, line))
        if new == line:
            break
        line = new
    return line


# --- spacing --------------------------------------------------------------------------------------

# A run of spaces with Chinese on one side and Chinese or printable ASCII on the other.
# Speed: a pattern that opens with a lookbehind is tried at every position of the line; opening
# with the literal first character of the match (the space, whose predecessor the width-2
# lookbehind then checks) lets the engine jump from space to space. Same matches as
# (?<=[CJK]) +(?=[CJK!-~])|(?<=[!-~]) +(?=[CJK]).
_JOIN = re.compile(rf" (?<=[{CJK}] ) *(?=[{CJK}!-~])| (?<=[!-~] ) *(?=[{CJK}])")
_MULTI_SPACE = re.compile(r" {2,}")
_CN_NUM = "零〇一二两三四五六七八九十百千"
# Units and classifiers that follow a number in running text ("30 日内", "1.5 亿元"): a leading
# number followed by one of them is part of a sentence, not a section number. (分 is left out:
# "3.4 分级响应" is a heading far more often than "3 分" starts a paragraph.)
_UNITS = "年月日时秒个万亿元千百十余多项条次人家户名岁天周倍米里亩吨度号期批所类种件台辆座处位份级部套间栋层张本册章节款公平斤升届轮季旬兆毫克瓦伏块根株头只匹艘架枚辆"
# A leading section number or 第X章/条 marker keeps one space before its text:
# "1 总则", "1.1 编制目的", "第一条 为了…".
_LEAD_KEEP = re.compile(
    rf"^(?:第[{_CN_NUM}\d]{{1,6}}(?:编|章|节|条|部分) +(?=\S)"
    rf"|\d{{1,2}}(?:\.\d{{1,2}}){{0,3}}(?![\d.]) +(?=[^\s{_UNITS}\d.,%]))"
)
# Short label lines (rosters: "副组长：张 祥 市政府秘书长") use spaces as column separators:
# there a space after a Chinese word of 2-4 characters (a name, a short label) and before another
# word of two or more is kept, while the padding inside two-character names and labels
# ("张 祥", "组 长") still goes. A wrap space in a short title follows a long word and goes.
_SHORT_LINE = 24
_SENTENCE_PUNCT = re.compile(r"[，。；、,;！？!?]")
_IDEO_WORD_END = re.compile(rf"[{IDEO}]+$")
_IDEO_WORD_START = re.compile(rf"^[{IDEO}]+")


def join_cjk_spaces(text: str, *, columns: bool = True) -> str:
    """Remove the spaces that OCR put inside Chinese text; keep spaces between Latin words.

    A run of spaces goes when it has a Chinese character or Chinese punctuation on one side and a
    Chinese character, a digit, a Latin letter or ASCII punctuation on the other. A section
    number at the start (``1.1 编制目的``, ``第一条 为…``) keeps one space. No other character
    is changed. In a short line without sentence punctuation a space after a 2-4 character word
    is a column separator and stays (``王虎荣 市中级人民法院院长``), unless ``columns`` is false
    (table cells, where such a space is where the cell text wrapped).

    >>> join_cjk_spaces("朔州市 2020 年 8 月 20 日, 世界 500 强, ISO 9001 and Hong Kong")
    '朔州市2020年8月20日,世界500强, ISO 9001 and Hong Kong'
    >>> join_cjk_spaces("3.4.1 Ⅳ级响应")
    '3.4.1 Ⅳ级响应'
    """
    if " " not in text:
        return text
    head = ""
    m = _LEAD_KEEP.match(text)
    if m:
        head = m.group(0).rstrip(" ") + " "
        text = text[m.end():]
    if columns and len(head) + len(text) <= _SHORT_LINE and _SENTENCE_PUNCT.search(text) is None:
        return head + _join_columns(text)
    return head + _JOIN.sub("", text)


def _join_columns(text: str) -> str:
    tokens = text.split(" ")
    out = tokens[0]
    for tok in tokens[1:]:
        if not tok:
            out += " "  # squeezed later; keeps ASCII runs intact
            continue
        left = _IDEO_WORD_END.search(out)
        right = _IDEO_WORD_START.match(tok)
        if left and right and 2 <= len(left.group(0)) <= 4 and len(right.group(0)) >= 2:
            out = out.rstrip(" ") + " " + tok
        else:
            out = _JOIN.sub("", out + " " + tok)
    return out


# --- punctuation ----------------------------------------------------------------------------------

_AND = re.compile(rf"(?<=[{IDEO}]) *\band\b *(?=[{IDEO}])")
_PAIR = re.compile(rf"\(([^()]*[{IDEO}][^()]*)\)")
_LONE_OPEN = re.compile(rf"\((?= *[{IDEO}])")
# _LONE_CLOSE and _PUNCT_AFTER open with the first character of the match and check the
# character before it with a width-2 lookbehind (see _JOIN): the same matches as
# (?<=[IDEO])( *)\) and (?<=[CJK])( *)[,;:?!](?: *[,;:?!])*, found without trying every position.
_LONE_CLOSE = re.compile(rf" (?<=[{IDEO}] ) *\)|\)(?<=[{IDEO}]\))")
_PUNCT_RUN = r"[,;:?!](?: *[,;:?!])*"
# _PUNCT_AFTER also has the first character of both branches factored out as one class
# ([ ,;:?!](?:A|B), each branch's lookbehind pinning that character to a space or to punctuation):
# a top-level alternation whose branches open with a literal and a class has no prefix the engine
# can skip to, so every position of the line was tried; 2x faster on the lines holding ,;:?!.
_PUNCT_AFTER = re.compile(rf"[ ,;:?!](?:(?<=[{CJK}] ) *{_PUNCT_RUN}|(?<=[{CJK}][,;:?!])(?: *[,;:?!])*)")
_PUNCT_BEFORE = re.compile(rf"({_PUNCT_RUN})(?= *[{CJK}])")
_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "?": "？", "!": "！"})
_PUNCT_HINT = re.compile(r"[(),;:?!]|and")  # what normalize_punctuation acts on (tests refer to it)
# _PUNCT_HINT as a test the engine runs fast: one character class (scanned for, not an alternation
# tried at every position) and a substring test.
_PUNCT_CHAR = re.compile(r"[(),;:?!]")
_HALF_PUNCT = re.compile(r"[,;:?!]")


def _full(m: re.Match[str]) -> str:
    return m.group(0).translate(_FULL)


def _full_pair(m: re.Match[str]) -> str:
    return "（" + m.group(1) + "）"  # r"（\1）" without expanding a template per match


def _close(m: re.Match[str]) -> str:
    return m.group(0)[:-1] + "）"


def normalize_punctuation(text: str) -> str:
    """Fold half-width punctuation to full width where the Chinese context makes it unambiguous.

    ``(`` ``)`` around content holding a Chinese character become ``（`` ``）`` (also a lone
    bracket that opens or closes on a Chinese character, as happens across page breaks); ``,``
    ``;`` ``:`` ``?`` ``!`` next to Chinese text become ``，；：？！``. ASCII stays inside Latin and
    number runs (``GB50016-2014``, ``1.5``, ``15:00``, ``(1)``), and an English ``and`` between
    Chinese characters (a known conversion artefact) becomes 和.

    >>> normalize_punctuation("各县(市、区)人民政府,每周五15:00前(1)过程记录 and 材料归档")
    '各县（市、区）人民政府，每周五15:00前(1)过程记录和材料归档'
    """
    if _PUNCT_CHAR.search(text) is None and "and" not in text:  # _PUNCT_HINT.search(text) is None
        return text
    if "and" in text:
        text = _AND.sub("和", text)
    if "(" in text or ")" in text:
        for _ in range(16):  # innermost pairs first; nesting deeper than 16 is not text
            if "(" not in text or ")" not in text:
                break  # _PAIR needs both: the pass would change nothing (usually the second one)
            text, n = _PAIR.subn(_full_pair, text)
            if not n:
                break
        # Each lone-bracket pass needs its bracket: after the pairs most lines hold neither.
        if "(" in text:
            text = _LONE_OPEN.sub("（", text)
        if ")" in text:
            text = _LONE_CLOSE.sub(_close, text)
    if _HALF_PUNCT.search(text) is None:  # both passes below only rewrite these characters
        return text
    text = _PUNCT_AFTER.sub(_full, text)
    if _HALF_PUNCT.search(text) is None:  # usually all of them were after Chinese text
        return text
    return _PUNCT_BEFORE.sub(_full, text)


# --- whole lines ----------------------------------------------------------------------------------


def clean_inline(text: str, *, columns: bool = True) -> str:
    """Clean a piece of text that carries no markup (a title, a phrase): width folding,
    ``and`` → 和, punctuation, OCR spaces, then runs of spaces squeezed and ends trimmed.
    ``columns=False`` joins every Chinese space (see :func:`join_cjk_spaces`).

    >>> clean_inline("增设信号灯的路口(个)")
    '增设信号灯的路口（个）'
    """
    return _clean(_translate(text), columns)


def _clean(text: str, columns: bool) -> str:
    text = text.strip(_SPACE)
    text = normalize_punctuation(text)
    text = join_cjk_spaces(text, columns=columns)
    if "  " in text:
        text = _MULTI_SPACE.sub(" ", text)
    return text


def clean_line(line: str, *, columns: bool = True) -> str:
    """Clean one source line: :func:`strip_markup`, then :func:`clean_inline`.

    >>> clean_line("**第三条** 中介服务事项实行清单管理。")
    '第三条 中介服务事项实行清单管理。'
    >>> clean_line("#### 第一章 总 则")
    '第一章 总则'
    """
    if _MAY_CHANGE.search(line) is None and "and" not in line and _LEAD_HINT.match(line) is None:
        return line
    return _clean(strip_markup(_translate(line)), columns)


# A line that holds none of these characters, no "and" and no leading marker (_LEAD_HINT) is
# returned unchanged by every step of clean_line: nothing to translate (_NEEDS_TRANSLATE), no
# markup (_has_markup looks for a leading marker, "**", "<"), no space to strip or join, nothing
# normalize_punctuation looks at (_PUNCT_HINT). Three C-level tests instead of the five steps
# (about a third of the body lines of the samples are such lines); one character class, not an
# alternation tried at every position (2x faster).
_MAY_CHANGE = re.compile(_NEEDS_TRANSLATE.pattern[:-1] + re.escape("*< (),;:?!") + "]")


class LineCleaner:
    """:func:`clean_line` with a memo, shared by the stages of one parse.

    The body, its tables and their titles clean the same source lines and table cells (and the
    same short cells recur: ``""``, unit names, ``是``); cleaning is a pure function of
    ``(line, columns)``, so the memo returns exactly what :func:`clean_line` would. Create one per
    parse and pass it explicitly: the memo is never module state.

    >>> clean = LineCleaner()
    >>> clean("各县(市、区)人民政府,") == clean_line("各县(市、区)人民政府,")
    True
    """

    __slots__ = ("_lines", "_cells")

    def __init__(self) -> None:
        # One memo per value of ``columns``, keyed by the text alone (no key tuple to build and
        # hash on every call).
        self._lines: dict[str, str] = {}
        self._cells: dict[str, str] = {}

    def __call__(self, line: str, *, columns: bool = True) -> str:
        memo = self._lines if columns else self._cells
        cleaned = memo.get(line)
        if cleaned is None:
            cleaned = memo[line] = clean_line(line, columns=columns)
        return cleaned
