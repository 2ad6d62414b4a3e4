"""Every event contract, one module per producer; importing this package registers them all."""

import importlib
import pkgutil

__all__ = [module.name for module in pkgutil.iter_modules(__path__)]
for _name in __all__:
    importlib.import_module(f"{__name__}.{_name}")
