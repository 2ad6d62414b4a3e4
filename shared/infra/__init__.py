"""Plumbing every service would otherwise copy: settings, logging, NATS, MongoDB."""
