"""Response bodies of the reporting API."""
