"""gongbao (公报): turn Chinese government gazettes into a searchable, linked archive."""

from gongbao.models import Document, Gazette, Issue, TocEntry
from gongbao.parse import PARSER_VERSION, parse_issue

__version__ = "0.1.0"
__all__ = ["Document", "Gazette", "Issue", "TocEntry", "parse_issue", "PARSER_VERSION", "__version__"]
