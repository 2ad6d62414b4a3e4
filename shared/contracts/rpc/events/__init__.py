"""Request–reply contracts of the events service (`rpc.events.<noun>.<verb>`), one module per
sub-domain: events as organizers announce them and their lifecycle (`announcements`),
`registrations` with their tickets and the members a unit registers, check-in
(`attendance`), the district report's `figures`; the text kinds and capacity bounds they
share in `kinds`. Not the event contracts of the events service (`shared.contracts.events.
events`). Certificates of attendance use `shared.contracts.rpc.certificates` on
`certificates_subject("events", verb)`. Importing the package imports every module, so
each request contract is registered wherever the RPC contracts are enumerated."""

import importlib
import pkgutil

__all__ = [module.name for module in pkgutil.iter_modules(__path__)]
for _name in __all__:
    importlib.import_module(f"{__name__}.{_name}")
