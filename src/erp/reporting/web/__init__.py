"""The dashboard page: HTML and SVG charts rendered on the server (nothing loaded at run time)."""
