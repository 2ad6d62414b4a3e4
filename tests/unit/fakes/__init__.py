"""In-memory fakes of the services' own ports (cosmicpython's FakeRepository style): no
NATS, no database. Each fake keeps plain dicts and mimics what its real repository
promises (unique keys, optimistic versions), nothing more."""
