"""Every event contract; importing this package registers them all."""

from shared.contracts.events import identity, reference

__all__ = ["identity", "reference"]
