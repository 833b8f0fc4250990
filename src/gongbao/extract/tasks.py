"""Tasks (督办-style items): the item, its lead and supporting units, and its deadline.

Forms read (all seen in the sample gazettes):

- a clause closing the item: ``(市发改委、市商务局按职责分工负责)``, ``（X牵头，Y配合，Z负责落实）``,
  ``（牵头单位：…，配合单位：…）``, ``（责任单位：…。完成时限：…）``; several per item are allowed;
- the clause on its own line after the item (detached), or split by a page break;
- label lines after the item: ``牵头单位:…`` / ``责任单位：…`` / ``配合单位：…``;
- task tables: tab-separated rows under a header naming 责任单位/牵头单位/实施单位/配合单位 and
  完成时限/完成进度(要求)/完成时间;
- prose duty lists, one unit (or a short list of units) per item: ``市发改委：负责办理项目立项审批。``,
  ``18. 市公安局（市公安交警支队）：负责…；负责…``. The units before the colon are responsible
  (lead), the duty after it is the task text. An item counts when its duty names 负责 or when it
  stands in a run of at least two such items (a list); headings and labels (主送：, 抄送：, 联系人：,
  附件：, 牵头单位：…) are not units and never count.

Roles. ``lead_units`` are the 牵头 units when the clause names any; otherwise the responsible
units (责任单位, 实施单位, ``…负责``). ``support_units`` are the 配合 units plus, when a 牵头 unit is
named, the responsible units (``X牵头，各县（区）政府按职责分工负责`` makes the counties supporting).

Deadline. The 完成时限 of the clause or column when there is one (``长期坚持`` counts there);
otherwise the latest dated ``…前`` phrase of the item's own text (``2020年底前集中公布``), else a
recurring one (``每年8月底前``). Service limits (``10个工作日内``) are not task deadlines.

The item is the outline-labelled paragraph (一、 （一） 1. （1） ①) the clause closes, with any
unlabelled paragraphs that follow it; an item that ends in ``：`` keeps its deeper-numbered list.
Paragraphs are rebuilt here from the raw source lines of the document (``Document.body`` is not
needed), so the extractor does not depend on the body extractor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice

from gongbao.extract.deadlines import Deadline, find_deadlines, parse_deadline, pick_deadline
from gongbao.extract.units import looks_like_unit, resolve_unit, split_units, unresolved_units
from gongbao.models import Document, Paragraph, Task
from gongbao.segment.lines import strip_markup

# Cheap prefilter: a document without any of these substrings has no task.
_CUES = ("负责）", "负责)", "牵头", "责任单位", "责任部门", "配合单位", "实施单位", "完成时限", "配合）", "配合)")
# A unit name ending right before a colon (市住建局：, 市公安局（交警支队）：): a duty list may hold no other cue.
_DUTY_CUE = re.compile(r"(?:局|委|办|府|会|部|院|中心|队|社|站|司|团|所|处|室|厅|行)(?:[（(][^（()）]{1,16}[）)])?[：:]")
_CLAUSE_CUE = re.compile(r"负责|牵头|配合|协助|参与|责任单位|实施单位|完成时限|主责单位|协办单位")
_LABEL = re.compile(
    r"(?P<label>牵头单位|牵头部门|责任单位|责任部门|主责单位|主办单位|实施单位|配合单位|配合部门|协办单位|参与单位"
    r"|完成时限|完成时间|时间节点|完成期限)\s*[:：]"
)
_LABEL_ROLE = {
    "牵头单位": "lead", "牵头部门": "lead",
    "责任单位": "resp", "责任部门": "resp", "主责单位": "resp", "主办单位": "resp", "实施单位": "resp",
    "配合单位": "support", "配合部门": "support", "协办单位": "support", "参与单位": "support",
    "完成时限": "deadline", "完成时间": "deadline", "时间节点": "deadline", "完成期限": "deadline",
}
_LABEL_LINE = re.compile(rf"^(?:{_LABEL.pattern})")
_VERB = re.compile(
    r"(?P<verb>牵头(?:负责)?|配合(?:落实|做好)?|协助|参与"
    r"|(?:按职责分工|按照职责分工|按职责|分工)?(?:共同|具体|分别)?负责(?:落实)?)$"
)
_VERB_ROLE = {"牵头": "lead", "配合": "support", "协助": "support", "参与": "support"}
_MARKER = re.compile(
    r"^(?:(?P<cn>[一二三四五六七八九十]{1,3})[、.．]"
    r"|(?P<pcn>[（(][一二三四五六七八九十]{1,3}[）)])"
    r"|(?P<ar>\d{1,3})(?:[.．、](?!\d)|\s)"
    r"|(?P<par>[（(]\d{1,3}[）)])"
    r"|(?P<circ>[①-⑳])"
    r"|(?P<art>第[一二三四五六七八九十百零〇两]{1,5}条))"
)
_RANK = {"cn": 1, "art": 1, "pcn": 2, "ar": 3, "par": 4, "circ": 5}
_OPEN = "（(〔[「【"
_CLOSE = "）)〕]」】"
_BRACKET_RE = re.compile(f"[{re.escape(_OPEN + _CLOSE)}]")
_SPLIT_RE = {seps: re.compile(f"[{re.escape(_OPEN + _CLOSE + seps)}]") for seps in ("，,；;",)}
_TERMINAL = tuple("。！？；;!?：:")
# A paragraph ending in one of these (a sentence end or a closing bracket) is not run on.
_NO_RUN_ON = frozenset(_TERMINAL + ("）", ")"))
# Whitespace after or before a non-ASCII character. The first branch opens with the whitespace
# and checks its predecessor in a width-2 lookbehind: the same matches as
# (?<=[^\x00-\x7f])[ \t\u3000]+, without trying the lookbehind at every position of the line.
# The first whitespace character of both branches is factored out of the alternation
# ([ws](?:A|B) = [ws]A|[ws]B), so the whole pattern opens with a character class and the engine
# skips to the next whitespace character in C (2.3x faster over the lines of /tmp/corp).
_WS_CJK = re.compile(r"[ \t\u3000](?:(?<=[^\x00-\x7f][ \t\u3000])[ \t\u3000]*|[ \t\u3000]*(?=[^\x00-\x7f]))")
# A space between two ideographs (same trick: no leading lookbehind).
_SPACE_IN_HAN = re.compile(r" (?<=[\u4e00-\u9fff] )(?=[\u4e00-\u9fff])")
_WS = re.compile(r"\s+")
_DATE_ONLY = re.compile(r"^[\u4e00-\u9fff（）()]{0,30}\d{4}年\d{1,2}月\d{1,2}日$")
_NOTICE = re.compile(r"^[（(]此件[^）)]*[）)]$")
_HAS_HAN = re.compile(r"[\u4e00-\u9fff]")

# Table columns.
_COL_LEAD = re.compile(r"^(?:牵头单位|牵头部门)$")
_COL_RESP = re.compile(r"^(?:责任单位|责任部门|主责单位|实施单位|责任主体|承办单位)$")
_COL_SUPPORT = re.compile(r"^(?:配合单位|配合部门|协办单位)$")
_COL_DEADLINE = re.compile(r"^(?:完成时限|完成时间|完成进度(?:要求)?|时间节点|完成期限|时限要求)$")
# The keys _COL_LEAD or _COL_RESP match (test_parser_speed_tasks checks the two agree).
_HEAD_NAMES = frozenset(("牵头单位", "牵头部门", "责任单位", "责任部门", "主责单位", "实施单位", "责任主体", "承办单位"))
_COL_TEXT = ("具体措施", "工作内容", "工作任务", "主要任务", "重点任务", "任务内容", "项目名称", "工作措施", "任务")
_COL_LABEL = re.compile(r"^序号$")


_MARKUP_CHARS = re.compile("[-#*+>_< \t\u3000]")
# strip_markup changes a line only when it holds one of these (a leading #, >, -, *, +, • marker,
# "**" or the "<" of a tag): half the lines reaching it hold only spaces and skip its call.
_STRIP_CHARS = re.compile("[-#*+>•<]")


def _clean(line: str) -> str:
    """Markup removed and the OCR line-wrap spaces around Chinese text squeezed out."""
    if _MARKUP_CHARS.search(line) is None:  # a C-level scan; the set test hashed every character
        return line.strip()
    text = strip_markup(line) if _STRIP_CHARS.search(line) is not None else line
    text = _WS_CJK.sub("", text)
    # Same as _WS.sub(" ", text).strip(): \s and str.split() both split on str.isspace().
    return " ".join(text.split())


@dataclass(slots=True)
class _Para:
    text: str
    spans: list[tuple[int, int]]  # (offset into text, source line)
    depth: int = 0  # brackets still open at the end of text
    open_at: int = -1  # offset of the outermost bracket still open (meaningful while depth > 0)

    def track(self, added: str, offset: int) -> None:
        """Update the open-bracket state with ``added`` (appended at ``offset``)."""
        # The bracket characters in one C-level scan, walked as plain strings (no match objects);
        # the offset is looked up only when a bracket is left open at the end (rare).
        brackets = _BRACKET_RE.findall(added)
        if not brackets:
            return
        depth = self.depth
        opened = -1  # index in brackets of the last bracket opened at depth 0
        for k, ch in enumerate(brackets):
            if ch in _OPEN:
                if depth == 0:
                    opened = k
                depth += 1
            elif depth > 0:
                depth -= 1
        self.depth = depth
        if depth > 0 and opened >= 0:
            self.open_at = offset + next(islice(_BRACKET_RE.finditer(added), opened, None)).start()

    @property
    def line(self) -> int:
        return self.spans[0][1]

    @property
    def end_line(self) -> int:
        return self.spans[-1][1]

    def line_at(self, offset: int) -> int:
        """The source line holding character ``offset`` of the paragraph text."""
        line = self.spans[0][1]
        for start, n in self.spans:
            if start > offset:
                break
            line = n
        return line


@dataclass(slots=True)
class _Clause:
    start: int  # offsets in the paragraph text (whole bracket included)
    end: int
    raw: str
    lead: list[str]
    support: list[str]
    deadline: str | None
    names_lead: bool = False  # the clause names a 牵头 unit


@dataclass(slots=True)
class _Item:
    label: str | None
    rank: int
    line: int
    parts: list[str] = field(default_factory=list)
    closed: bool = False
    list_intro: bool = False


def _paragraphs(lines: Sequence[str], first: int, last: int, skip: set[int]) -> list[_Para]:
    """Logical paragraphs of the prose lines ``first..last`` (1-based), tables left out."""
    paras: list[_Para] = []
    # Module globals bound to locals: this loop runs once per source line of every document.
    clean, marker, label_line = _clean, _MARKER.match, _LABEL_LINE.match
    cue, label, markup = _CLAUSE_CUE.search, _LABEL.search, _MARKUP_CHARS.search
    prev: _Para | None = None
    for n, raw in enumerate(lines[first - 1:last], first):
        # A blank line (every other line of OCR text) cleans to "" and is skipped below anyway.
        if not raw or n in skip or "\t" in raw:
            continue
        text = raw.strip() if markup(raw) is None else clean(raw)  # _clean's first branch, inline
        # _NOTICE needs an opening bracket first and _DATE_ONLY a final 日: test those characters
        # before running either regex (same lines skipped).
        if not text or (text[0] in "（(" and _NOTICE.match(text)) or (text[-1] == "日" and _DATE_ONLY.match(text)):
            continue
        if prev is not None:
            tail = prev.text[prev.open_at:] if prev.depth > 0 else ""
            join = False
            if tail and len(tail) < 400 and (cue(tail) or label(tail)):
                join = not marker(text)
            elif prev.text[-1] not in _NO_RUN_ON:  # a paragraph's text is never empty
                join = not (marker(text) or label_line(text) or text[0] in "（(")
            if join:
                prev.spans.append((len(prev.text), n))
                prev.track(text, len(prev.text))
                prev.text += text
                continue
        prev = _Para(text, [(0, n)])
        prev.track(text, 0)
        paras.append(prev)
    return paras


def _bracket_groups(text: str) -> list[tuple[int, int]]:
    """Spans of top-level （…） / (…) groups; an unclosed group at the end runs to the end."""
    groups: list[tuple[int, int]] = []
    depth = 0
    start = -1
    for m in _BRACKET_RE.finditer(text):
        ch, i = m.group(0), m.start()
        if ch in _OPEN:
            if depth == 0:
                start = i if ch in "（(" else -1
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0 and start >= 0:
                groups.append((start, i + 1))
                start = -1
    if depth > 0 and start >= 0:
        groups.append((start, len(text)))
    return groups


def _top_split(text: str, seps: str) -> list[str]:
    """Split on ``seps`` outside brackets."""
    parts: list[str] = []
    depth = 0
    start = 0
    pattern = _SPLIT_RE.get(seps) or re.compile(f"[{re.escape(_OPEN + _CLOSE + seps)}]")
    for m in pattern.finditer(text):
        ch = m.group(0)
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            parts.append(text[start:m.start()])
            start = m.end()
    parts.append(text[start:])
    return parts


def _dedupe(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        if name and name not in out:
            out.append(name)
    return out


def parse_clause(content: str) -> tuple[list[str], list[str], str | None] | None:
    """Read a responsibility clause (without its brackets) as printed names by role.

    Returns (lead names, supporting names, deadline phrase) — names as printed, not normalized —
    or None when the text is not a responsibility clause.

    >>> parse_clause("市交通局牵头，市公安局、市生态环境局按职责分工负责")
    (['市交通局'], ['市公安局', '市生态环境局'], None)
    >>> parse_clause("牵头单位：商务局；配合单位：市金融办、市银保监分局。完成时限：2021年12月31日")
    (['商务局'], ['市金融办', '市银保监分局'], '2021年12月31日')
    """
    parsed = _parse_clause(content)
    return parsed[:3] if parsed else None


def _parse_clause(content: str) -> tuple[list[str], list[str], str | None, bool] | None:
    """parse_clause plus whether the clause names a 牵头 unit."""
    content = content.strip()
    if not content or not _CLAUSE_CUE.search(content):
        return None
    roles: dict[str, list[str]] = {"lead": [], "resp": [], "support": []}
    order: list[tuple[str, str]] = []  # (role, name) in printed order
    deadline: str | None = None
    labels = list(_LABEL.finditer(content))
    if labels:
        head = content[: labels[0].start()].strip("，,；;。 ")
        if head and not _CLAUSE_CUE.search(head):
            return None
        for i, m in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(content)
            value = content[m.end():end].strip().strip("，,；;。").strip()
            role = _LABEL_ROLE[m.group("label")]
            if role == "deadline":
                deadline = value or None
            else:
                names = split_units(value)
                roles[role].extend(names)
                order.extend((role, n) for n in names)
    else:
        pending = ""
        for part in _top_split(content, "，,；;"):
            part = part.strip().strip("。")
            if not part:
                continue
            text = (pending + "、" + part) if pending else part
            m = _VERB.search(text)
            if not m:
                pending = text
                continue
            pending = ""
            verb = m.group("verb")
            role = _VERB_ROLE.get(verb[:2], "resp")
            names = split_units(text[: m.start()])
            roles[role].extend(names)
            order.extend((role, n) for n in names)
        if pending:
            # Names after the last role verb: responsible if they are all known units, else prose.
            names = split_units(pending)
            if not names or not all(resolve_unit(n).resolved for n in names):
                return None
            roles["resp"].extend(names)
            order.extend(("resp", n) for n in names)
    names = roles["lead"] + roles["resp"] + roles["support"]
    if not names:
        return None
    unit_like = sum(1 for n in names if looks_like_unit(n))
    if unit_like == 0 or unit_like * 2 < len(names) or any(len(n) > 40 for n in names):
        return None
    lead_role = "lead" if roles["lead"] else "resp"
    lead = [n for role, n in order if role == lead_role]
    support = [n for role, n in order if role != lead_role]
    return _dedupe(lead), _dedupe(support), deadline, bool(roles["lead"])


def _clauses(text: str) -> list[_Clause]:
    out: list[_Clause] = []
    if _LABEL_LINE.match(text):
        parsed = _parse_clause(text)
        if parsed:
            out.append(_Clause(0, len(text), text, *parsed))
        return out
    for start, end in _bracket_groups(text):
        inner = text[start + 1:end]
        if inner and inner[-1] in "）)":
            inner = inner[:-1]
        if not _CLAUSE_CUE.search(inner):
            # A bare list of units closing a sentence: …政策。（各县（市、区）人民政府）
            if start > 0 and text[start - 1] in "。；;" and "。" not in inner:
                names = split_units(inner)
                if names and all(resolve_unit(n).resolved for n in names):
                    out.append(_Clause(start, end, text[start:end], _dedupe(names), [], None))
            continue
        parsed = _parse_clause(inner)
        if parsed:
            out.append(_Clause(start, end, text[start:end], *parsed))
    return out


def _marker(text: str) -> tuple[str, int] | None:
    m = _MARKER.match(text)
    if not m:
        return None
    kind = m.lastgroup or "ar"
    return m.group(0).strip(), _RANK[kind]


def _strip_marker(text: str) -> str:
    m = _MARKER.match(text)
    return text[m.end():].strip() if m else text


def _normalize(names: Iterable[str], city: str | None) -> list[str]:
    return _dedupe(resolve_unit(n, city).name for n in names)


def _deadline_of(clause_phrase: str | None, text: str, signed: str | None) -> Deadline | None:
    if clause_phrase:
        found = parse_deadline(clause_phrase, signed)
        if found:
            return found
    return pick_deadline(find_deadlines(text, signed))


def _make_task(text: str, line: int, end_line: int, label: str | None, clauses: list[_Clause],
               signed: str | None, city: str | None) -> Task:
    lead = _normalize((n for c in clauses for n in c.lead), city)
    support = [n for n in _normalize((n for c in clauses for n in c.support), city) if n not in lead]
    phrase = next((c.deadline for c in clauses if c.deadline), None)
    text = _strip_marker(text).strip()
    deadline = _deadline_of(phrase, text, signed)
    return Task(
        text=text,
        line=line,
        end_line=end_line,
        label=label,
        lead_units=lead,
        support_units=support,
        units_raw="；".join(c.raw for c in clauses),
        deadline=deadline.date if deadline else None,
        deadline_text=deadline.text if deadline else None,
        deadline_kind=deadline.kind if deadline else None,
    )


def _merge_into(task: Task, clause: _Clause, signed: str | None, city: str | None, end_line: int) -> None:
    """A further clause of the same item (a 责任单位 line after a 牵头单位 line, …)."""
    lead, support = clause.lead, clause.support
    if task.lead_units and not clause.names_lead:
        lead, support = [], lead + support  # the item already has its 牵头 units
    for name in _normalize(lead, city):
        if name not in task.lead_units:
            task.lead_units.append(name)
    for name in _normalize(support, city):
        if name not in task.support_units and name not in task.lead_units:
            task.support_units.append(name)
    task.units_raw = f"{task.units_raw}；{clause.raw}" if task.units_raw else clause.raw
    task.end_line = max(task.end_line, end_line)
    if clause.deadline and task.deadline_kind in (None, "recurring") or (clause.deadline and task.deadline is None):
        found = parse_deadline(clause.deadline or "", signed)
        if found:
            task.deadline, task.deadline_text, task.deadline_kind = found.date, found.text, found.kind


# "<units>：<duty>": the head holds no sentence punctuation and is short; a 2-character head
# (主送, 抄送) is never a unit.
_DUTY_HEAD = re.compile(r"^(?P<head>[^：:，,。；;！？!?\s]{3,40}?)[：:](?P<duty>.*)$")
_UNIT_START = ("市", "省", "县", "区", "各", "团")
_MIN_DUTY = 4


@dataclass(slots=True, frozen=True)
class _Duty:
    head: str  # the units as printed (without the colon)
    names: list[str]  # printed unit names
    duty: str  # the text after the colon


def _duty_item(text: str, city: str | None) -> _Duty | None:
    """``[marker] <units>：<duty>`` where every name before the colon is a unit, else None."""
    if "：" not in text and ":" not in text:
        return None  # _DUTY_HEAD needs a colon: most prose paragraphs are ruled out without a regex
    body = _strip_marker(text)
    m = _DUTY_HEAD.match(body)
    if m is None or _LABEL_LINE.match(body):
        return None
    duty = m.group("duty").strip()
    if len(duty) < _MIN_DUTY or _HAS_HAN.search(duty) is None:
        return None
    names = split_units(m.group("head"))
    if not names or len(names) > 6 or not all(_is_unit_name(n, city) for n in names):
        return None
    return _Duty(m.group("head"), names, duty)


def _is_unit_name(name: str, city: str | None) -> bool:
    """A name the alias table resolves, or a body-suffixed name that starts like one (市…局,
    各…委): the suffix alone would also admit 阶段, 场所 and 银行 before a colon."""
    if resolve_unit(name, city).resolved:
        return True
    stem = city[:-1] if city and city.endswith("市") else city
    starts = _UNIT_START + ((stem,) if stem else ())
    return looks_like_unit(name) and name.startswith(starts)


def _duty_items(paras: list[_Para], city: str | None) -> list[_Duty | None]:
    """For each paragraph its duty item, if it is one: the duty names 负责, or a neighbouring
    paragraph is a duty item too (a list of duties)."""
    found = [_duty_item(p.text, city) for p in paras]
    accepted: list[_Duty | None] = []
    for i, duty in enumerate(found):
        in_list = (i > 0 and found[i - 1] is not None) or (i + 1 < len(found) and found[i + 1] is not None)
        accepted.append(duty if duty is not None and ("负责" in duty.duty or in_list) else None)
    return accepted


def _is_detached(text: str, clauses: list[_Clause]) -> bool:
    if len(clauses) != 1:
        return False
    rest = (text[: clauses[0].start] + text[clauses[0].end:]).strip().strip("。；;，,")
    return not rest


def _prose_tasks(paras: list[_Para], signed: str | None, city: str | None) -> list[Task]:
    tasks: list[Task] = []
    item: _Item | None = None
    last_task_para = -2  # index of the paragraph that produced/extended the last task
    duties = _duty_items(paras, city)
    cue = _CLAUSE_CUE.search
    clauses_of = [_clauses(p.text) if cue(p.text) else [] for p in paras]
    # Only a paragraph with clauses or a duty item adds or extends a task: the paragraphs after
    # the last one change nothing but the open item, and are not walked.
    end = next((i + 1 for i in range(len(paras) - 1, -1, -1) if clauses_of[i] or duties[i] is not None), 0)
    for index, para in enumerate(islice(paras, end)):
        text = para.text
        clauses = clauses_of[index]
        duty = duties[index]
        if duty is not None and not clauses:
            # One item of a duty list: its own task; it closes whatever item was open.
            head = _Clause(0, 0, duty.head, _dedupe(duty.names), [], None)
            marker = _marker(text)
            tasks.append(_make_task(duty.duty, para.line, para.end_line, marker[0] if marker else None,
                                    [head], signed, city))
            if item is not None:
                item.closed = True
            last_task_para = index
            continue
        if clauses and _is_detached(text, clauses):
            if item is not None and not item.closed and item.parts:
                tasks.append(_make_task("".join(item.parts), item.line, para.end_line,
                                        item.label, clauses, signed, city))
                item.closed = True
                last_task_para = index
            elif tasks and last_task_para == index - 1:
                _merge_into(tasks[-1], clauses[0], signed, city, para.end_line)
                last_task_para = index
            continue
        marker = _marker(text)
        if marker is not None:
            label, rank = marker
            if item is not None and not item.closed and item.list_intro and rank > item.rank:
                item.parts.append(text)
            else:
                item = _Item(label, rank, para.line, [text])
                item.list_intro = text.endswith(("：", ":"))
        elif item is not None and not item.closed:
            item.parts.append(text)
        else:
            item = _Item(None, 9, para.line, [text])
        if not clauses:
            item.list_intro = item.list_intro or text.endswith(("：", ":"))
            continue
        # Split the paragraph at its clauses: each clause closes the text before it.
        prefix = "".join(item.parts[:-1])
        cursor = 0
        for clause in clauses:
            if cursor == 0:
                body, start_line = prefix + text[:clause.start], item.line
            else:
                body, start_line = text[cursor:clause.start], para.line_at(cursor)
            if body.strip("。；;，,） "):
                tasks.append(_make_task(body, start_line, para.line_at(max(clause.end - 1, 0)), item.label,
                                        [clause], signed, city))
            elif tasks:
                _merge_into(tasks[-1], clause, signed, city, para.line_at(max(clause.end - 1, 0)))
            cursor = clause.end
        last_task_para = index
        trailing = text[cursor:]
        if len(trailing.strip("。；;，,） ")) >= 4:
            item = _Item(item.label, item.rank, para.line_at(cursor), [trailing])
        else:
            item.closed = True
    return tasks


def _cells(line: str) -> list[str]:
    cells = [_clean(c) for c in line.split("\t")]
    return [_SPACE_IN_HAN.sub("", c) if " " in c else c for c in cells]


@dataclass(slots=True)
class _Header:
    width: int
    label: int | None
    text: int | None
    lead: int | None
    resp: int | None
    support: int | None
    deadline: int | None


def _header(cells: list[str]) -> _Header | None:
    keys = ["".join(c.split()) for c in cells]  # same as _WS.sub("", c): both drop str.isspace()
    # Most rows reaching here hold 单位 in a value, not a header: no cell is a lead or
    # responsible column name (the patterns are whole-key alternatives of literals).
    if _HEAD_NAMES.isdisjoint(keys):
        return None

    def col(pattern: re.Pattern[str]) -> int | None:
        return next((i for i, k in enumerate(keys) if pattern.match(k)), None)

    lead, resp, support = col(_COL_LEAD), col(_COL_RESP), col(_COL_SUPPORT)
    if lead is None and resp is None:
        return None
    text = None
    for name in _COL_TEXT:
        text = next((i for i, k in enumerate(keys) if k == name), None)
        if text is not None:
            break
    while keys and not keys[-1]:
        keys.pop()
    return _Header(len(keys), col(_COL_LABEL), text, lead, resp, support, col(_COL_DEADLINE))


def _table_tasks(lines: Sequence[str], first: int, last: int, signed: str | None,
                 city: str | None) -> list[Task]:
    tasks: list[Task] = []
    header: _Header | None = None
    # Only the tab lines are walked; a header ends where two non-blank lines without a tab
    # stand between two tab lines (those lines are counted only while a header is open).
    previous = first - 1  # the last tab line seen
    for n, raw in [(n, raw) for n, raw in enumerate(lines[first - 1:last], first) if "\t" in raw]:
        if header is not None and n - previous > 2 and sum(1 for k in range(previous + 1, n) if lines[k - 1].strip()) > 1:
            header = None
        previous = n
        may_head = "单位" in raw or "部门" in raw or "主体" in raw
        if header is None and not may_head:
            continue  # neither a header nor a row under one: the cells are not needed
        cells = _cells(raw)
        found = _header(cells) if may_head else None
        if found is not None:
            header = found
            continue
        if header is None:
            continue
        while len(cells) > header.width and not cells[-1]:
            cells.pop()
        if len(cells) > header.width:
            cells = cells[len(cells) - header.width:]
        elif len(cells) < header.width:
            cells = [""] * (header.width - len(cells)) + cells

        def cell(i: int | None, row: list[str] = cells) -> str:
            return row[i] if i is not None and i < len(row) else ""

        lead_raw = split_units(cell(header.lead))
        resp_raw = split_units(cell(header.resp))
        support_raw = split_units(cell(header.support))
        if not (lead_raw or resp_raw):
            continue
        named = lead_raw + resp_raw
        if sum(1 for u in named if looks_like_unit(u)) * 2 < len(named):
            continue
        if lead_raw:
            lead_names, support_names = lead_raw, resp_raw + support_raw
        else:
            lead_names, support_names = resp_raw, support_raw
        lead = _normalize(lead_names, city)
        support = [u for u in _normalize(support_names, city) if u not in lead]
        text = cell(header.text) or max(cells, key=len)
        label = cell(header.label) or None
        phrase = cell(header.deadline)
        deadline = parse_deadline(phrase, signed) if phrase else None
        tasks.append(Task(
            text=text, line=n, end_line=n, label=label if label and label.isdigit() else None,
            lead_units=lead, support_units=support,
            units_raw="；".join(x for x in (cell(header.lead), cell(header.resp), cell(header.support)) if x),
            deadline=deadline.date if deadline else None,
            deadline_text=deadline.text if deadline else None,
            deadline_kind=deadline.kind if deadline else None,
        ))
    return tasks


def extract_tasks(doc: Document, lines: Sequence[str], paragraphs: Sequence[Paragraph] | None = None,
                  city: str | None = None) -> list[Task]:
    """Every task of ``doc``: prose items with responsibility clauses, then task-table rows, in
    source order. ``lines`` are the source lines of the whole issue (1-based via the document's
    line numbers); ``paragraphs`` (e.g. ``doc.body``), if given, replace the paragraphs this module
    rebuilds from the lines; ``city`` lets names printed with the city (阳泉市住建局) normalize.
    """
    first = (doc.doc_number_line or doc.title_line_end or doc.start_line) + 1
    last = min(doc.end_line, len(lines))
    if first > last:
        return []
    joined = "".join(lines[first - 1:last])
    if not any(cue in joined for cue in _CUES) and _DUTY_CUE.search(joined) is None:
        return []
    signed = doc.signed_date
    if paragraphs:
        paras = [_Para(_clean(p.text), [(0, p.start_line)]) for p in paragraphs if p.text.strip()]
    else:
        skip = {doc.signature_line} if doc.signature_line else set()
        paras = _paragraphs(lines, first, last, skip)
    tasks = _prose_tasks(paras, signed, city)
    if "\t" in joined:
        tasks.extend(_table_tasks(lines, first, last, signed, city))
        tasks.sort(key=lambda t: t.line)
    return tasks


def fill(doc: Document, lines: Sequence[str], city: str | None = None) -> None:
    """Set ``doc.tasks`` (the parser's entry point)."""
    doc.tasks = extract_tasks(doc, lines, city=city)


def unresolved(tasks: Iterable[Task], city: str | None = None) -> list[str]:
    """Unit names in ``tasks`` that the alias table could not resolve (kept verbatim on the tasks)."""
    return unresolved_units((n for t in tasks for n in (*t.lead_units, *t.support_units)), city)
