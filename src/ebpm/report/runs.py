"""Moved to :mod:`ebpm.site.history` (issue 17): this path re-exports it for one release; import
from :mod:`ebpm.site.history` instead."""

from ebpm.site.history import estimate_chart, history_href, history_page, write_history_pages

__all__ = ["estimate_chart", "history_href", "history_page", "write_history_pages"]
