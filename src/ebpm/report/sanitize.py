"""Moved to :mod:`ebpm.site.sanitize` (issue 17): this path re-exports it for one release;
import from :mod:`ebpm.site.sanitize` instead."""

from ebpm.site.sanitize import sanitize_html

__all__ = ["sanitize_html"]
