"""Errors of the themes, provisioning, readiness and queue use cases. The intake's errors are
in ``intake/_errors.py`` and the pipeline's in ``pipeline/_errors.py``.

::

    ProvisionError (RuntimeError)   the mappings ask for something provisioning cannot
                                    create: fix the mappings or create it by hand
    UnknownQueueError (LookupError) not a queue the connector uses (the API answers 404)
"""

from __future__ import annotations


class ProvisionError(RuntimeError):
    """The mappings ask for something provisioning cannot create."""


class UnknownQueueError(LookupError):
    """Not a queue the connector uses (the API answers 404)."""
