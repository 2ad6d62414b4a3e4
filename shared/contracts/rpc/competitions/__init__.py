"""The competitions service's RPCs, one module per sub-domain: competitions and their
rounds (`contests`), `entries`, `judging` with scores and results, school `clubs` and
coverage, `initiatives` (sáng kiến) and the council, `figures` for the district report; the
text kinds they share in `kinds`. Importing the package imports every module, so each
request contract is registered wherever the RPC contracts are enumerated.

HTTP bodies are the models without `RpcRequest`; every field has bounds. Rules that need
more than one field (weights summing to 1, consent, two-thirds vote) live in the service and
answer `invalid` (422)."""

import importlib
import pkgutil

__all__ = [module.name for module in pkgutil.iter_modules(__path__)]
for _name in __all__:
    importlib.import_module(f"{__name__}.{_name}")
