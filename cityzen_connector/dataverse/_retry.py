"""Retry policies as immutable named values, run with tenacity through an injected clock.

Rules (Microsoft Learn, "Service protection API limits" and "Compose HTTP requests and handle
errors"): a 429 waits exactly ``Retry-After`` — and when that exceeds the policy's cap the
error goes straight back to the caller (a queue can re-schedule the work; sleeping that long
inside a Function helps nobody). 429 means the request was not executed, so any request may be
repeated after it. 502/503/504, SQL deadlock/timeout, any other 5xx and connection errors back
off exponentially with jitter, but only for requests that are safe to repeat: a 502/504 may
hide a plain create that did happen.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from ._errors import (
    DataverseConnectionError,
    DataverseError,
    ServerError,
    ThrottledError,
    TransientServerError,
)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying one request. ``max_wait_seconds`` bounds the total sleep."""

    name: str
    max_attempts: int
    base_delay: float
    max_delay: float
    max_retry_after: float
    max_wait_seconds: float
    jitter: float = 0.5

    # Named policies (assigned below the class).
    HTTP_REQUEST: ClassVar[RetryPolicy]
    QUEUE_WORK: ClassVar[RetryPolicy]
    NO_RETRY: ClassVar[RetryPolicy]

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError(f"inconsistent retry policy {self.name!r}")

    def retryable(self, error: BaseException, *, safe_to_repeat: bool) -> bool:
        """Whether one more attempt may follow this error."""
        if not isinstance(error, DataverseError):
            return False
        if error.retry_after is not None and error.retry_after > self.max_retry_after:
            return False
        if isinstance(error, ThrottledError):
            return True
        # Any 5xx (and no answer at all) may hide work that was done: repeat only what is
        # safe to repeat. A plain 500 is not "transient" for the queue, but one more try of a
        # read or a keyed upsert costs nothing.
        if isinstance(error, TransientServerError | ServerError | DataverseConnectionError):
            return safe_to_repeat
        return False

    def delay(self, error: BaseException, attempt: int, rng: Callable[[], float]) -> float:
        """Seconds to wait before attempt ``attempt + 1``: Retry-After when the server sent
        one, else exponential backoff with jitter."""
        retry_after = error.retry_after if isinstance(error, DataverseError) else None
        if retry_after is not None:
            return retry_after
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return min(self.max_delay, backoff * (1 + self.jitter * rng()))

    def run(
        self,
        attempt: Callable[[], T],
        *,
        safe_to_repeat: bool,
        sleep: Callable[[float], None],
        rng: Callable[[], float] = random.random,
        logger: logging.Logger | None = None,
        operation: str = "request",
    ) -> T:
        """Call ``attempt`` until it succeeds or this policy gives up; raise the last error."""
        # Fast path: most calls succeed at once and never need tenacity's machinery.
        try:
            return attempt()
        except DataverseError as exc:
            if self.max_attempts == 1 or not self.retryable(exc, safe_to_repeat=safe_to_repeat):
                raise
            first_failure: list[BaseException] = [exc]

        def replay_then_attempt() -> T:
            # tenacity counts the failure above as its attempt 1 (same waits, same budget).
            if first_failure:
                raise first_failure.pop()
            return attempt()

        import tenacity  # noqa: PLC0415 - lazy: keeps the package import light (cold starts)

        def should_retry(state: tenacity.RetryCallState) -> bool:
            outcome = state.outcome
            exc = outcome.exception() if outcome is not None else None
            return exc is not None and self.retryable(exc, safe_to_repeat=safe_to_repeat)

        def wait(state: tenacity.RetryCallState) -> float:
            outcome = state.outcome
            exc = outcome.exception() if outcome is not None else None
            return self.delay(exc, state.attempt_number, rng) if exc is not None else 0.0

        def stop(state: tenacity.RetryCallState) -> bool:
            if state.attempt_number >= self.max_attempts:
                return True
            return state.idle_for + (state.upcoming_sleep or 0.0) > self.max_wait_seconds

        def before_sleep(state: tenacity.RetryCallState) -> None:
            if logger is None or state.outcome is None:
                return
            exc = state.outcome.exception()
            logger.warning(
                "dataverse %s: %s (status %s, code %s, request id %s); retry %d in %.1f s",
                operation,
                type(exc).__name__,
                getattr(exc, "status", None),
                getattr(exc, "code", ""),
                getattr(exc, "request_id", None),
                state.attempt_number,
                state.upcoming_sleep,
            )

        retrying = tenacity.Retrying(
            retry=should_retry,
            wait=wait,
            stop=stop,
            sleep=sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        return retrying(replay_then_attempt)


# Inside an HTTP trigger: Azure ends a hung HTTP request at 230 s; a portal user waits far
# less. About 15 s of sleeping at most, and a Retry-After above 10 s goes back to the caller.
RetryPolicy.HTTP_REQUEST = RetryPolicy(
    "http_request", max_attempts=4, base_delay=0.5, max_delay=4.0,
    max_retry_after=10.0, max_wait_seconds=15.0,
)  # fmt: skip
# Queue work: a few minutes at most, then the message goes back to the queue (re-scheduled).
RetryPolicy.QUEUE_WORK = RetryPolicy(
    "queue_work", max_attempts=8, base_delay=2.0, max_delay=60.0,
    max_retry_after=120.0, max_wait_seconds=240.0,
)  # fmt: skip
RetryPolicy.NO_RETRY = RetryPolicy(
    "no_retry", max_attempts=1, base_delay=0.0, max_delay=0.0,
    max_retry_after=0.0, max_wait_seconds=0.0,
)  # fmt: skip
