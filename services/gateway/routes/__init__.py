"""HTTP routes, one module per area; each router carries its access table."""
