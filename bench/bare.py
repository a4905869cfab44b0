"""The stack's physical limit: a bare WSGI callable answering a constant, served as the service is.

`python -m bench.bare --port N` serves `app` with granian, with the service's worker and
thread counts (`ELIG_WEB_WORKERS`, `ELIG_WEB_THREADS`), so the decision endpoint's requests/s
can be set against what granian and WSGI alone allow on this machine in the same run.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from typing import Any

BODY = b'{"status":"ok","service":"bare"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answer every request with the same small JSON body, reading nothing."""
    start_response("200 OK", HEADERS)
    return [BODY]


def main(argv: Sequence[str] | None = None) -> int:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    from config.settings import from_env

    parser = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    settings = from_env()
    Granian("bench.bare:app", interface=Interfaces.WSGI, address=args.host, port=args.port,
            workers=settings.web_workers, blocking_threads=settings.web_threads,
            websockets=False, log_level=LogLevels.warning, log_access=False).serve()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
