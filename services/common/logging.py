"""structlog configuration: one JSON object per line with the event name and bound context."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog


class _CurrentStdout:
    """Write to whatever `sys.stdout` is at call time, so a swapped stream is never stale."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


_CURRENT_STDOUT: Any = _CurrentStdout()


def configure_logging(service: str, level: str = "INFO", *, json: bool = True) -> None:
    """Route structlog and stdlib logging to stdout as JSON lines tagged with the service."""
    shared_processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            *shared_processors,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(_CURRENT_STDOUT),
        cache_logger_on_first_use=False,
    )
    # Library loggers (uvicorn, botocore) go through the same renderer.
    handler = logging.StreamHandler(_CURRENT_STDOUT)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared_processors,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn installs its own text handlers before the app starts; send its records to the
    # JSON handler instead. Its access log repeats the middleware's "http.request" event.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("botocore", "urllib3", "pynamodb"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _add_service(service: str) -> structlog.types.Processor:
    def processor(
        _logger: object, _method: str, event_dict: structlog.types.EventDict
    ) -> structlog.types.EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return processor
