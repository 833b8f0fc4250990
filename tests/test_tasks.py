"""Task extraction (extract/tasks.py): answer keys, every clause form, and what is not a task."""

from __future__ import annotations

import copy
import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gongbao
from gongbao.analysis.ical import escape_text, fold, task_uid, tasks_to_ical
from gongbao.extract.tasks import extract_tasks, parse_clause, unresolved
from gongbao.models import Document, Task

ROOT = Path(__file__).resolve().parents[1]


def _eval_module():
    spec = importlib.util.spec_from_file_location("tasks_eval", ROOT / "benchmarks" / "tasks_eval.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["tasks_eval"] = module
    spec.loader.exec_module(module)
    return module


def test_answer_keys_precision_and_recall() -> None:
    """Hand-checked keys for eight documents (tests/data/tasks): units and deadlines >= 0.90."""
    units, deadlines, items, _ = _eval_module().evaluate()
    assert units.tp + units.fn >= 600 and deadlines.tp + deadlines.fn >= 40  # the keys are not empty
    assert units.precision >= 0.90, units.misses[:10]
    assert units.recall >= 0.90, units.misses[:10]
    assert deadlines.precision >= 0.90, deadlines.misses[:10]
    assert deadlines.recall >= 0.90, deadlines.misses[:10]
    assert items.recall >= 0.90, items.misses[:10]


def _doc(body: list[str], signed: str | None = "2020-07-28") -> tuple[Document, list[str]]:
    lines = ["某市人民政府办公室关于印发某方案的通知", "某政办发〔2020〕1号", *body]
    doc = Document(title=lines[0], start_line=1, end_line=len(lines), doc_number_line=2, signed_date=signed)
    return doc, lines


def _one(body: list[str], signed: str | None = "2020-07-28") -> list[Task]:
    doc, lines = _doc(body, signed)
    return extract_tasks(doc, lines)


def test_trailing_clause_all_responsible() -> None:
    # shuozhou-2020-03 L69
    [task] = _one(["- (一)全面落实准入前国民待遇加负面清单管理制度。主动与国际通行规则对接。"
                   "(市发改委、市行政审批服务管理局、市促投局按职责分工负责)"])
    assert task.label == "(一)"
    assert task.line == 3
    assert task.lead_units == ["市发展和改革委员会", "市行政审批服务管理局", "市促进外来投资局"]
    assert task.support_units == []
    assert task.text == "全面落实准入前国民待遇加负面清单管理制度。主动与国际通行规则对接。"
    assert task.units_raw.startswith("(市发改委")


def test_lead_and_support_by_verb() -> None:
    # yangquan-2020-04 L2555 and L3457-style 负责落实
    [a, b] = _one([
        "6. 深化交通运输领域简政放权。(市交通局牵头,市公安局、市生态环境局、市市场监管局按职责分工负责)",
        "",
        "7. 加强土壤污染防治。（市生态环境局牵头，市农业农村局配合，各县（区）人民政府负责落实）",
    ])
    assert a.lead_units == ["市交通运输局"]
    assert a.support_units == ["市公安局", "市生态环境局", "市市场监督管理局"]
    assert b.lead_units == ["市生态环境局"]
    assert b.support_units == ["市农业农村局", "各县（市、区）人民政府"]


def test_labelled_clause_with_deadline() -> None:
    # shuozhou-2021-04 L945
    [task] = _one(["8. 强化风险防控措施。加强境外安全风险管理。（牵头单位：商务局；配合单位：市金融办、市银保监分局。"
                   "完成时限：2021年12月31日）"])
    assert task.lead_units == ["市商务局"]
    assert task.support_units == ["市人民政府金融工作办公室", "市银保监分局"]
    assert (task.deadline, task.deadline_text, task.deadline_kind) == ("2021-12-31", "2021年12月31日", "date")


def test_clause_split_by_a_page_break() -> None:
    # shuozhou-2021-04 L949/951 (完成时 / 限) and yangquan-2020-04 L1899/1901 (市文旅 / 局)
    [a, b] = _one([
        "9. 做好稳外贸工作。（责任单位：市商务局。完成时",
        "",
        "限：2021年12月31日)",
        "",
        "2. 推动工艺美术产品提质。（责任单位：市文旅",
        "",
        "局、市科技局，各县区人民政府）",
    ])
    assert a.deadline == "2021-12-31" and a.lead_units == ["市商务局"]
    assert (a.line, a.end_line) == (3, 5)
    assert b.lead_units == ["市文化和旅游局", "市科技局", "各县（市、区）人民政府"]


def test_detached_clause_and_heading_with_body() -> None:
    # shuozhou-2020-03 L128-130: the heading line, the body, then the clause on its own line
    [task] = _one([
        "(二十四)发挥重大招商活动等引资载体作用。",
        "",
        "健全招商引资协作机制,举办好\"一节三会\"。",
        "",
        "(市直有关部门和各县〔市、区〕人民政府、朔州经济开发区管委会按职责分工负责)",
    ])
    assert task.line == 3 and task.end_line == 7 and task.label == "(二十四)"
    assert task.text.startswith("发挥重大招商活动等引资载体作用。健全招商引资协作机制")
    assert task.lead_units == ["市直有关部门", "各县（市、区）人民政府", "开发区管委会"]


def test_label_lines_after_the_item() -> None:
    # yangquan-2020-04 L3161-3164 (half-width colons) and L3256-3258
    tasks = _one([
        "1.推进清洁生产。大力推进清洁生产。",
        "牵头单位:市工信局(国资委)、市商务局",
        "责任单位:各区人民政府、开发区管委会",
        "",
        "2. 加快推进市循环经济产业园区建设。于2021年建成并投入运行。",
        "牵头单位：市城市管理局",
        "配合单位：市发改委、山西荣光能源有限公司",
    ])
    assert [t.line for t in tasks] == [3, 7]
    assert tasks[0].lead_units == ["市工业和信息化局", "市商务局"]
    assert tasks[0].support_units == ["各区人民政府", "开发区管委会"]
    assert tasks[1].support_units == ["市发展和改革委员会", "山西荣光能源有限公司"]
    assert tasks[1].deadline == "2021-12-31"
    assert unresolved(tasks) == ["山西荣光能源有限公司"]


def test_item_ending_in_colon_keeps_its_list() -> None:
    # yangquan-2020-04 L3214-3234: "2. 分类投放要求。…如下：" then (1)…(6), then the labels
    [task] = _one([
        "2. 分类投放要求。现就责任人规定确定如下：",
        "（1）党政机关的办公场所，本单位为责任人。",
        "（2）建设工程施工现场，施工单位为管理责任人。",
        "牵头单位：市城市管理局、市机关事务管理局",
    ])
    assert task.line == 3 and task.label == "2."
    assert "施工单位为管理责任人" in task.text


def test_several_clauses_in_one_item() -> None:
    # shuozhou-2021-04 L1260
    tasks = _one(["1. 完善进口冷链食品追溯平台。（市市场监管局负责）指导各县（市、区）全链条监管。"
                  "（市市场监管局牵头，市交通局、朔州海关按职责分工负责）"])
    assert [t.lead_units for t in tasks] == [["市市场监督管理局"], ["市市场监督管理局"]]
    assert tasks[1].support_units == ["市交通运输局", "市海关"]
    assert tasks[1].text == "指导各县（市、区）全链条监管。"


def test_deadline_from_item_text_and_scope_dates_ignored() -> None:
    tasks = _one([
        "1. 集中调整权责清单。2020 年底前集中公布。（市委编办牵头，各县（区）政府按职责分工负责）",  # yq L2543
        "35. 落实公平竞争审查制度。对2019年12月31日前出台的政策措施进行全面清理。（市市场监管局牵头）",  # yq L2637
        "36. 建设需求。每年10月1日前提出下一年度建设需求。（市发改委负责）",  # yq L3615
    ])
    assert [(t.deadline, t.deadline_kind) for t in tasks] == [
        ("2020-12-31", "date"), (None, None), ("2020-10-01", "recurring")]


def test_task_table_rows() -> None:
    # shuozhou-2021-04 L990-993 and shuozhou-2020-03 L1871-1873 / L1899
    tasks = _one([
        "附件1",
        "序号\t主要目标\t工作任务\t具体措施\t责任单位\t配合单位\t完成时限",
        "1\t目标\t任务\t做好外资政策宣传、培训工作。\t市促投局\t市发改委、市市场监管局\t2021年12月31日",
        "2\t\t\t完善并推动外资政策落实。\t市发改委 市商务局\t专班组成单位\t长期坚持",
        "",
        "序号\t任务目标\t工作内容\t责任单位\t配合单位\t完成进度 要求\t",
        "9\t出行安\t开展机动车通行秩序管理。\t县(市、区) 人民政府\t市公安局\t全年持续推进",
        "附件2",
        "组 长：刘 亮\t副市长\t段君华\t市科技局四级调研员",
    ], signed="2021-07-30")
    assert [t.line for t in tasks] == [5, 6, 9]
    assert tasks[0].label == "1" and tasks[0].text == "做好外资政策宣传、培训工作。"
    assert tasks[0].lead_units == ["市促进外来投资局"]
    assert tasks[0].support_units == ["市发展和改革委员会", "市市场监督管理局"]
    assert tasks[0].deadline == "2021-12-31"
    assert tasks[1].lead_units == ["市发展和改革委员会", "市商务局"]
    assert (tasks[1].deadline_kind, tasks[1].deadline_text) == ("ongoing", "长期坚持")
    assert tasks[2].lead_units == ["各县（市、区）人民政府"] and tasks[2].deadline_kind == "ongoing"


@pytest.mark.parametrize("body", [
    ["二、保障措施", "（一）加强组织领导。各县区政府、市直各部门，都要明确分管领导、确定专人，负责本分工要点的落实。"],
    ["18. 简化报装。低压用户接电时间不超过 10 天（不含外线工程时间）。（含省发证产品目录 5 类）"],
    ["（此件公开发布）"],
    ["为进一步做好工作（以下简称《通知》），现就有关事项通知如下（市场主体负责人参加）。"],
])
def test_not_tasks(body: list[str]) -> None:
    assert _one(body) == []


# Prose duty lists: "<units>：<duty>", one item per paragraph. (lines, [(label, lead units, start of
# the task text, deadline)]). Forms from yangquan-2020-04 (L1823-1829, L3274-3320) and
# shuozhou-2021-04 (L1688-1722), with the other cities' variations: half-width colon, (一) markers,
# a unit with a bracketed alias, two units before one colon, a duty cut by a page break.
DUTY_LISTS = [
    (["市住建局：负责贯彻落实市政府相关指示要求，收集整理各县（区）既有建筑能效提升工程相关资料。"],
     [(None, ["市住房和城乡建设局"], "负责贯彻落实市政府", None)]),
    (["市发改委：负责办理项目立项审批。", "", "市审计局：负责指导协调各县（区）工程审计工作。"],
     [(None, ["市发展和改革委员会"], "负责办理项目立项审批", None), (None, ["市审计局"], "负责指导协调", None)]),
    (["3. 市城市管理局：负责制定生活垃圾分类实施方案、标准；并牵头做好相关配", "",
      "套设施建设工作；负责督促广场、公园配合辖区政府开展垃圾分类工作。"],
     [("3.", ["市城市管理局"], "负责制定生活垃圾分类实施方案、标准；并牵头做好相关配套设施建设工作", None)]),
    (["18. 市公安局（市公安交警支队）：负责加强与相关行业主管部门的联动，打击各类垃圾非法运输、处置行为。"],
     [("18.", ["市公安局"], "负责加强与相关行业主管部门的联动", None)]),
    (["1. 各区人民政府、开发区管委会：按照属地管理的原则，具体负责辖区内生活垃圾分类工作的组织实施。",
      "", "2. 市发改委：积极争取中央、省政策和资金支持。"],
     [("1.", ["各区人民政府", "开发区管委会"], "按照属地管理的原则", None),
      ("2.", ["市发展和改革委员会"], "积极争取中央、省政策和资金支持", None)]),
    (["(一) 市法院:共同召集府院联动机制协调会议,统筹提出企业破产中需要政府部门协调解决的问题。", "",
      "(二) 市财政局:支持、配合建立破产费用保障资金。"],
     [("(一)", ["市中级人民法院"], "共同召集府院联动机制协调会议", None),
      ("(二)", ["市财政局"], "支持、配合建立破产费用保障资金", None)]),
    (["（三）市交通局：负责2020年底前完成农村公路安全生命防护工程。"],
     [("（三）", ["市交通运输局"], "负责2020年底前完成", "2020-12-31")]),
]


@pytest.mark.parametrize(("body", "expected"), DUTY_LISTS)
def test_duty_list_items_are_tasks(body: list[str], expected: list[tuple]) -> None:
    tasks = _one(body)
    assert [(t.label, t.lead_units, t.support_units) for t in tasks] == [(e[0], e[1], []) for e in expected]
    for task, (_, _, text, deadline) in zip(tasks, expected, strict=True):
        assert task.text.startswith(text)
        assert task.deadline == deadline
    assert tasks[0].line == 3  # the item's first line (body starts at line 3)


def test_duty_item_cut_by_a_page_break_spans_both_lines() -> None:
    [task] = _one(["3. 市城市管理局：负责制定生活垃圾分类实施方案；并牵头做好相关配", "", "套设施建设工作。"])
    assert (task.line, task.end_line) == (3, 5)
    assert task.units_raw == "市城市管理局"


@pytest.mark.parametrize("body", [
    ["主送：各县（市、区）人民政府，市直各有关单位"],
    ["抄送：市委各部门，市人大常委会办公室，市政协办公室。"],
    ["联系人：张三，联系电话：0349-1234567"],
    ["附件：1. 既有建筑能效提升工程任务分工表"],
    ["牵头单位：市发改委"],
    ["（一）动员部署阶段：2020年4月底前，各县区制定方案。", "", "（二）集中整治阶段：2020年5月至10月，全面开展整治。"],
    ["公共场所：负责张贴禁烟标识。"],
    ["领导小组办公室：设在市住建局，办公室主任由市住建局局长兼任。"],
    ["市发改委：2020年全市地区生产总值增长6%。"],  # one item, no 负责: not a list of duties
    ["市发改委：0353-2021234", "市财政局：0353-2021235"],  # a contact list
    ["组  长：张 三  市长", "副组长：李 四  副市长"],
    ["各县（区）人民政府，市直各有关单位：", "", "现将《实施方案》印发给你们，请认真贯彻执行。"],
    ["各县（市、区）人民政府、市直各有关单位：现将《实施方案》印发给你们，请认真贯彻执行。"],
])
def test_not_duty_items(body: list[str]) -> None:
    assert _one(body) == []


def test_parse_clause_rejects_prose() -> None:
    assert parse_clause("由各成员单位轮流负责召集会议并形成纪要") is None
    assert parse_clause("市卫健委负责") == (["市卫健委"], [], None)


def test_extraction_does_not_mutate_the_document() -> None:
    doc, lines = _doc(["1. 任务。（市发改委负责）"])
    before = copy.deepcopy(doc)
    extract_tasks(doc, lines)
    assert doc == before


def test_samples_every_task_has_a_unit_and_a_line_inside_its_document(sample_texts: dict[str, str]) -> None:
    total = 0
    for text in sample_texts.values():
        issue = gongbao.parse_issue(text)
        lines = text.split("\n")
        for doc in issue.documents:
            for task in extract_tasks(doc, lines, city=issue.gazette.city):
                total += 1
                assert task.lead_units, task
                assert doc.start_line <= task.line <= task.end_line <= doc.end_line
                assert not set(task.lead_units) & set(task.support_units)
                assert task.text
    assert total > 400  # counts on the samples: about 630 tasks


# --- tasks -> iCalendar (analysis/ical.py) ---------------------------------------------------------

_STAMP = datetime(2020, 8, 1, 8, 0, tzinfo=UTC)


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_calendar_of_a_sample_document(sample_texts: dict[str, str]) -> None:
    text = sample_texts["yangquan-2020-04"]
    issue = gongbao.parse_issue(text)
    doc = next(d for d in issue.documents if d.doc_number == "阳政办发〔2020〕80号")
    tasks = extract_tasks(doc, text.split("\n"), city=issue.gazette.city)
    ics = tasks_to_ical([(doc, t) for t in tasks], dtstamp=_STAMP)
    dated = [t for t in tasks if t.deadline]
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert ics.count("BEGIN:VEVENT") == len(dated) == 17
    lines = _unfold(ics)
    assert "DTSTART;VALUE=DATE:20201231" in lines and "DTEND;VALUE=DATE:20210101" in lines
    assert len({line for line in lines if line.startswith("UID:")}) == len(dated)
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    assert tasks_to_ical([(doc, t) for t in tasks], dtstamp=_STAMP) == ics  # deterministic


def test_recurring_deadline_gets_an_rrule_and_todo_form() -> None:
    [task] = _one(["3. 建设需求。每年8月底前上报下年度改造计划。（市住建局负责）"])  # yq L2879
    doc, _ = _doc([])
    ics = tasks_to_ical([(doc, task)], dtstamp=_STAMP, component="VTODO")
    lines = _unfold(ics)
    assert "DUE;VALUE=DATE:20200831" in lines and "RRULE:FREQ=YEARLY" in lines
    assert "BEGIN:VTODO" in lines and "STATUS:NEEDS-ACTION" in lines


def test_uid_is_stable_and_distinguishes_tasks() -> None:
    doc, lines = _doc(["1. 甲任务。（市发改委负责）", "2. 乙任务。（市发改委负责）"])
    first, second = extract_tasks(doc, lines)
    again = extract_tasks(doc, lines)[0]
    assert task_uid(doc, first) == task_uid(doc, again) != task_uid(doc, second)


def test_escaping() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_folded_lines_are_at_most_75_octets_and_unfold_to_the_original(value: str) -> None:
    line = "DESCRIPTION:" + escape_text(value)
    folded = fold(line)
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80), st.text(max_size=30))
def test_any_task_text_gives_valid_lines(text: str, unit: str) -> None:
    task = Task(text=text, line=1, end_line=1, lead_units=[unit], deadline="2020-12-31",
                deadline_text="2020年底前", deadline_kind="date")
    ics = tasks_to_ical([(None, task)], dtstamp=_STAMP)
    physical = ics.split("\r\n")
    assert physical[-1] == ""
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all("\n" not in p and "\r" not in p for p in physical)
