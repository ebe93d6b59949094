"""Moved to :mod:`ebpm.site.render` (issue 17): this path re-exports it for one release; import
from :mod:`ebpm.site.render` instead."""

from ebpm.site.render import check_disclosure, error_of, render_html, report_page, strip_ansi

__all__ = ["check_disclosure", "error_of", "render_html", "report_page", "strip_ansi"]
