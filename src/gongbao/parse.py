"""parse_issue: text of one gazette issue -> Issue. Pure: no I/O, no globals mutated."""

from __future__ import annotations

from gongbao.models import Gazette, Issue

PARSER_VERSION = "0.1.0"


def parse_issue(text: str) -> Issue:
    """Parse the text of one gazette issue into its masthead, 目录 and documents."""
    lines = text.split("\n")
    return Issue(gazette=Gazette(), toc=[], documents=[], line_count=len(lines), parser_version=PARSER_VERSION)
