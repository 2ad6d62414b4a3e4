"""Notifications: the right person hears of every event that concerns them, once."""
