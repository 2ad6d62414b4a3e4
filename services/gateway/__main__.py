import uvicorn

from services.gateway.app import build_app
from shared.infra.logging import configure_logging
from shared.infra.settings import Settings


def main() -> None:
    settings = Settings(service="gateway")
    configure_logging("gateway", level=settings.log_level, json=settings.log_json)
    uvicorn.run(
        build_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
