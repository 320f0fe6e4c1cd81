"""Errors of the themes, provisioning and readiness use cases. The intake's errors are in
``intake/_errors.py`` and the pipeline's in ``pipeline/_errors.py``.

::

    ProvisionError (RuntimeError)   the mappings ask for something provisioning cannot
                                    create: fix the mappings or create it by hand
"""

from __future__ import annotations


class ProvisionError(RuntimeError):
    """The mappings ask for something provisioning cannot create."""
