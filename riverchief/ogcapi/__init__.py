"""Open data as OGC API – Features (Part 1: Core) under /ogcapi/: public layers, read-only."""
