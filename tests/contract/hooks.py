"""schemathesis hooks for `fuzz_api` (loaded through SCHEMATHESIS_HOOKS).

The fuzzer draws `Idempotency-Key` values from a small space and sends the same one with
other requests, which the API refuses as documented: a 422 naming `Idempotency-Key`, "used
for another request". Its check that schema-valid requests are accepted cannot know that a
request before used the key, so that one refusal, and no other, is not counted as a finding.
"""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every finding but a 422 for an Idempotency-Key reused with another request."""
    if response is None or response.status_code != 422:
        return True
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return True
    reused = [e for e in errors if e.get("field") == "Idempotency-Key"
              and e.get("message") == "used for another request"]
    return not (reused and len(reused) == len(errors))
