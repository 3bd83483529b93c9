"""JSON logs on stdout, one object per line, with service, request_id and traceparent."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

# structlog imports Rich when it finds it (~45 ms, ~4 MB, ~80 modules at every start-up), for
# the console format's tracebacks only: a process logging JSON (ERP_LOG_FORMAT, the default)
# imports structlog without it. Rich stays importable afterwards; one imported already is used.
_without_rich = os.environ.get("ERP_LOG_FORMAT", "json") != "console" and "rich" not in sys.modules
if _without_rich:
    sys.modules["rich"] = None  # type: ignore[assignment]
try:
    import structlog
finally:
    if _without_rich:
        del sys.modules["rich"]

_configured = False


def configure_logging(*, level: str = "INFO", fmt: str = "json") -> None:
    """Route structlog and stdlib logging (uvicorn, sqlalchemy) through one JSON renderer."""
    global _configured
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(),  # resolves sys.stdout per call
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True
    logging.getLogger("uvicorn.error").setLevel(level)
    _configured = True


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
