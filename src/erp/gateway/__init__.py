"""The gateway service: users, tokens, routing and rate limits in front of the other services."""
