"""The bundled demo site: a small outdoor-gear shop with a handful of real problems."""
