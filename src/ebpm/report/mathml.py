"""Moved to :mod:`ebpm.site.mathml` (issue 17): this path re-exports it for one release; import
from :mod:`ebpm.site.mathml` instead."""

from ebpm.site.mathml import markdown_math_to_mathml, tex_to_mathml

__all__ = ["markdown_math_to_mathml", "tex_to_mathml"]
