"""Request and response bodies of the inventory API."""
