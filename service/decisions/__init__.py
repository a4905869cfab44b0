"""Answering decisions, from the request to the rules and back, in the order a request goes:

- `wsgi`: the lean route for `POST /api/v1/decisions` and `/decisions/batch`, ahead of Flask;
  any request it does not answer itself (a bad body, an unknown id, an `Idempotency-Key`)
  falls through to the Flask routes in `service.api.decisions`, which answer it in full.
- `parse`: the body read into a `DecisionRequest`, by the API's own schema.
- `resolve`: the party, model and update a request names, read from the snapshot.
- `judge`: the rules (`service.eligibility`), cached per key and window in the snapshot's view.
- `judged`: a decision and the part of its answer that every request in its window shares.
- `render`: the answer as the client reads it, with this request's id and instants.
- `answer`: one request or a batch, judged, rendered and logged.
- `log` and `journal`: the decision log; each answer is on disk before it is given.
"""
