"""Errors of the Functions adapters.

::

    TriggerMessageError (ValueError)   the runtime handed over a message without the facts every
                                       Service Bus message has (a message id): the trigger
                                       raises, the runtime abandons it and, past the queue's
                                       max delivery count, Service Bus dead-letters it
"""

from __future__ import annotations


class TriggerMessageError(ValueError):
    """The runtime handed us a message without the facts every Service Bus message has."""
