"""`python -m service import-devices FILE`: the API's device import, run in this process.

The file (NDJSON or CSV, by its extension or else by its first byte) is staged and imported
exactly as an upload to `POST /api/v1/devices/import` is, without the queue: progress goes to
standard error, the result as JSON to standard output; the exit status is 0 when the file was
imported (or changed nothing), 1 when it was refused.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from config.settings import Settings
from service import clock, device_imports
from service.device_files import FileRefused

ACTOR = "cli:import-devices"
_BY_EXTENSION = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson"}


def kind_of(path: Path) -> str:
    """NDJSON or CSV, by the file's extension, else by its first byte (`{` is NDJSON)."""
    if path.suffix.lower() in _BY_EXTENSION:
        return _BY_EXTENSION[path.suffix.lower()]
    with path.open("rb") as file:
        first = file.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "ndjson" if first == b"{" else "csv"


def import_file(settings: Settings, path: Path) -> int:
    """Import the devices of `path`; print the result; return the exit status."""
    try:
        with path.open("rb") as file:
            import_id, _ = device_imports.stage_file(settings, file, kind_of(path), ACTOR,
                                                     path.name, clock.now(), queue=False)
    except FileRefused as exc:
        return _said({"outcome": "refused", "errors": [{"field": exc.field,
                                                        "message": str(exc)}]})
    except OSError as exc:
        return _said({"outcome": "refused", "errors": [{"field": "FILE",
                                                        "message": str(exc)}]})
    return _said(device_imports.run(settings, import_id, clock.now, _progress))


def _progress(stage: str, detail: dict[str, Any]) -> None:
    print(f"{stage}: {detail.get('done', 0)} of {detail.get('total', 0)} rows", file=sys.stderr)


def _said(result: dict[str, Any]) -> int:
    print(json.dumps(result))
    return 0 if result["outcome"] == "imported" else 1
