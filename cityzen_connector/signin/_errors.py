"""The sign-in provider's exceptions::

Exception
├── SigninError     the provider cannot start (key or accounts file, configuration)
├── FlowError       an OAuth 2.0 error code (RFC 6749 section 5.2) and a safe description
├── AccountError    a refused sign-up, confirmation or sign-in (stable code, French text)
└── LoginError      the CLI helper's sign-in did not complete
"""

from __future__ import annotations


class SigninError(Exception):
    """The provider cannot start (its key file, its configuration)."""


class FlowError(Exception):
    """An OAuth 2.0 error code (RFC 6749 section 5.2) and a description, safe to show."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class AccountError(ValueError):
    """A refused sign-up, confirmation or sign-in; ``code`` is stable, the text French."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class LoginError(Exception):
    """The sign-in did not complete; the message names the step, never a secret."""
