"""Contracts: the one source of truth for events and RPCs. Pure pydantic, no I/O."""
