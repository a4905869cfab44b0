"""Webhooks: subscribers hear, with a signed POST, when a registered answer changes.

`events.Batches` writes a message per batch of flips and subscription inside the recompute's
transaction;
`delivery.deliver` makes one attempt per call and schedules the next through the outbox;
`signing` implements Standard Webhooks; `service.net` keeps deliveries off internal networks.
"""
