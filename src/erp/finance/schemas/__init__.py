"""Request and response bodies of the finance API."""
