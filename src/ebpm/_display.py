"""How every result-like object of ebpm shows itself: :class:`ResultDisplay`.

It lives below :mod:`ebpm.results` so that objects of lower layers (:mod:`ebpm.trust`'s
sensitivity analyses) share it; :mod:`ebpm.results` re-exports it.
"""

from __future__ import annotations

import html
import json
from typing import Any

from ebpm._json import jsonable

__all__ = ["ResultDisplay"]


class ResultDisplay:
    """How every result-like object of ebpm shows itself: one small mixin.

    A class defines ``summary()`` (plain text) and ``to_dict()`` (JSON-able data); the mixin
    gives ``str()`` (the summary), a notebook view (``_repr_html_``: the summary as text, unless
    the class draws a richer one) and :meth:`to_json`. Estimates (:class:`EstimateResult`),
    local spatial statistics (:class:`~ebpm.geo.LisaResult`), KPI follow-ups
    (:class:`~ebpm.kpi.KPIReport`) and tables after disclosure control
    (:class:`~ebpm.disclosure.Suppressed`) share it; a contract test holds them to it.
    """

    def summary(self) -> str:
        """A plain-text report (each class says what)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The object as JSON-able data (each class says what)."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        kind = type(self).__name__.lower()
        return f'<div class="ebpm-{kind}"><pre>{html.escape(self.summary())}</pre></div>'

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string (NaN as null; keyword arguments go to
        :func:`json.dumps`)."""
        return json.dumps(jsonable(self.to_dict()), ensure_ascii=False, **kwargs)
