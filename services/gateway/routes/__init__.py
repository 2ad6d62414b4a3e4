"""HTTP routes, one module per area; every route declares its access rule beside its path."""
