"""Test doubles that are real objects: the clock the messaging tests move by hand (one
definition for every suite)."""

from __future__ import annotations

from messaging.fakes import FakeClock

__all__ = ["FakeClock"]
