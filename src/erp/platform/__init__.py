"""Code shared by two or more services: settings, app factory, database, health, events, auth."""
