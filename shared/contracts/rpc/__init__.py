"""Request–reply contracts, one module per answering service."""
