"""The event backbone: outbox, relay, transports, inbox (docs/events.md)."""
