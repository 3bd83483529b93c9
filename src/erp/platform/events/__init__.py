"""The event backbone: outbox, relay, transports, inbox (DESIGN §4)."""
