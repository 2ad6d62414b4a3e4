"""Every event contract; importing this package registers them all."""

from shared.contracts.events import identity

__all__ = ["identity"]
