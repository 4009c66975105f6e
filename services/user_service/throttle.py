"""Login throttling per account with a counter item in DynamoDB, so it holds across replicas.

Each password check first reserves an attempt: an atomic ADD on the account's counter for
the current fixed window, under the condition that the count is below the maximum. So
however many replicas and threads race, at most `max_failures` password checks of one
account fail per window; the next attempt gets a 429 with `Retry-After` set to the end of
the window. A successful login deletes the counter.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import structlog
from pynamodb.exceptions import DeleteError, UpdateError

from common.dynamodb.errors import error_code
from common.entities.users import LoginFailureCounter
from common.errors import TooManyRequestsError

log = structlog.get_logger(__name__)

# Counters outlive their window by this much before TTL removes them, in seconds.
_COUNTER_GRACE_S = 3600


class LoginThrottle:
    def __init__(
        self, max_failures: int, window_s: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock

    def reserve_attempt(self, username: str) -> None:
        """Count one attempt for `username`; raise 429 when its window is used up."""
        now = self._clock()
        window_start = int(now // self.window_s) * self.window_s
        counter = LoginFailureCounter(*LoginFailureCounter.key_for(username, window_start))
        try:
            counter.update(
                actions=[
                    LoginFailureCounter.failures.add(1),
                    LoginFailureCounter.expires_at.set(
                        window_start + self.window_s + _COUNTER_GRACE_S
                    ),
                ],
                condition=LoginFailureCounter.failures.does_not_exist()
                | (LoginFailureCounter.failures < self.max_failures),
            )
        except UpdateError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            retry_after = math.ceil(window_start + self.window_s - now)
            log.warning("login.throttled", username=username, retry_after_s=retry_after)
            raise TooManyRequestsError(
                "Too many failed logins for this account; retry after the Retry-After seconds.",
                retry_after_s=retry_after,
            ) from error

    def reset(self, username: str) -> None:
        """Forget the failures of `username` in the current window, after a correct password."""
        window_start = int(self._clock() // self.window_s) * self.window_s
        try:
            LoginFailureCounter(*LoginFailureCounter.key_for(username, window_start)).delete()
        except DeleteError as error:
            # The login already succeeded; a leftover counter only expires later.
            log.warning("login.throttle_reset_failed", username=username, error=str(error))
