from services.events.app import build_app
from shared.infra.runtime import run_service

if __name__ == "__main__":
    run_service("events", build_app)
