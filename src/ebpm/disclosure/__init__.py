"""Statistical disclosure control for published tables (秘匿処理).

A table published on the report site must not reveal a small group: a cell that counts one or
two people, or a sum that one firm dominates, tells a reader about those people or that firm.
:func:`suppress` hides such cells (primary suppression) and then hides as few other cells as it
can so that no hidden cell can be worked out from the totals a reader has (secondary, or
complementary, suppression). It checks the result by linear programming: every hidden cell's
value must stay uncertain within a protection interval of positive width.

The audit of a :class:`Suppressed` table holds the hidden values; it is for the analyst, never
for publication. Publish :attr:`Suppressed.table` or :meth:`Suppressed.to_html`.
"""

from ebpm.disclosure._result import AUDIT_COLUMNS, Suppressed
from ebpm.disclosure._rules import TOTALS
from ebpm.disclosure._rules import Totals as Totals
from ebpm.disclosure._suppress import suppress

__all__ = ["AUDIT_COLUMNS", "TOTALS", "Suppressed", "suppress"]
