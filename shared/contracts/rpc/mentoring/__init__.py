"""The mentoring service's RPCs, one module per sub-domain: `mentors` with their profile,
availability and busy times, consultation requests (`consultations`), `matches` of mentors
to requests, `sessions`, `figures` for the district report; the `topics` of expertise and the
text kinds (`kinds`) they share. Importing the package imports every module, so each request
contract is registered wherever the RPC contracts are enumerated.

HTTP bodies are the models without `RpcRequest`; every field has bounds."""

import importlib
import pkgutil

__all__ = [module.name for module in pkgutil.iter_modules(__path__)]
for _name in __all__:
    importlib.import_module(f"{__name__}.{_name}")
