"""The Open311 facade's one error: a refusal to answer as GeoReport's error list.

::

    GeoReportError (ValueError)   a catalogue code (models.CATALOGUE_OPEN311: its HTTP status
                                  and texts) and details naming arguments and rules, never a
                                  value; the intake's own refusals are translated to it

"""

from __future__ import annotations


class GeoReportError(ValueError):
    """The body cannot be read: a catalogue code and details naming fields, never values."""

    def __init__(self, code: str, *details: str) -> None:
        self.code = code
        self.details = details or ("",)
        super().__init__(code)
