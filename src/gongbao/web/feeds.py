"""Atom 1.0 feeds: one builder for every feed the server offers (``/feeds/search.atom``,
``/feeds/expiring.atom``). ElementTree writes the XML, so every text and attribute is escaped.

>>> from datetime import UTC, datetime
>>> xml = atom_feed([AtomEntry("https://x/documents/1", "关于<测试>的通知", "https://x/documents/1",
...                            "2020-03-02T00:00:00Z", "朔政发〔2020〕1号")],
...                 title="公报检索", self_url="https://x/feeds/search.atom?q=a&b", alternate_url="https://x/",
...                 now=datetime(2026, 1, 1, tzinfo=UTC))
>>> b"&lt;\\xe6\\xb5\\x8b\\xe8\\xaf\\x95&gt;" in xml and b"q=a&amp;b" in xml
True
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class AtomEntry:
    id: str  # a permanent IRI: feed readers deduplicate on it
    title: str
    url: str
    updated: str  # RFC 3339, e.g. 2020-03-02T00:00:00Z
    summary: str


def stamp(when: datetime) -> str:
    """RFC 3339 in UTC, as Atom wants it."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_stamp(day: str | None, fallback: str) -> str:
    """``2020-03-02`` as an Atom date-time (midnight UTC), or ``fallback`` without a valid day."""
    if day and len(day) == 10:
        try:
            datetime.strptime(day, "%Y-%m-%d")
        except ValueError:
            return fallback
        return f"{day}T00:00:00Z"
    return fallback


def atom_feed(entries: list[AtomEntry], *, title: str, self_url: str, alternate_url: str, now: datetime) -> bytes:
    """The feed document, UTF-8 with an XML declaration."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", self_url)
    sub(feed, "title", title)
    sub(feed, "updated", stamp(now))
    sub(feed, "link", rel="self", href=self_url)
    sub(feed, "link", rel="alternate", href=alternate_url)
    author = sub(feed, "author")
    sub(author, "name", "gongbao 公报档案")
    for e in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", e.id)
        sub(entry, "title", e.title)
        sub(entry, "updated", e.updated)
        sub(entry, "link", rel="alternate", href=e.url)
        sub(entry, "summary", e.summary)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)
