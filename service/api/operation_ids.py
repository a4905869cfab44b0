"""What a generated client calls each operation: a verb and a noun, `createDecision`."""

from __future__ import annotations

from flask import current_app

# What a generated client calls each operation, where the endpoint's name does not say it as a
# verb and a noun (see `operation_id`).
OPERATION_IDS = {
    "health.livez": "getLivez", "health.readyz": "getReadyz", "health.metrics": "getMetrics",
    "openapi.openapi": "getOpenApiDocument",
    "decisions.create_batch": "createDecisionBatch",
    "decisions.lookup_decision": "getDecisionByQuery",
    "decisions.export_decisions": "getDecisionExport",
    "licences.amend": "createLicenceAmendment",
    "webhooks.list_messages": "listWebhookMessages",
}
NOUNS = {"matches": "match"}  # singulars that are not the plural less its "s"


def operation_id(endpoint: str) -> str:
    """The endpoint's name as a verb and a noun in camelCase: `sources.refresh_source` ->
    refreshSource, `matches.confirm` -> confirmMatch (a lone verb takes the blueprint's noun),
    a resource's `reference.get_vendors` -> getVendor; PATCH routes update."""
    if endpoint in OPERATION_IDS:
        return OPERATION_IDS[endpoint]
    blueprint, _, name = endpoint.partition(".")
    verb, _, noun = name.partition("_")
    if getattr(current_app.view_functions[endpoint], "resource", None) is not None:
        noun = noun if verb == "list" else _singular(noun)
    noun = noun or _singular(blueprint)
    verb = {"patch": "update"}.get(verb, verb)
    return verb + "".join(part.title() for part in noun.split("_"))


def _singular(noun: str) -> str:
    return NOUNS.get(noun, noun.removesuffix("s"))
