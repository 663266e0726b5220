"""Inbound HTTP: the webhook view (verify → limit → store → ack) and the intake every listener shares."""
