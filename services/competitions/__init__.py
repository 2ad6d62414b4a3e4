"""Competitions: contests and judging, school innovation clubs, initiatives (sáng kiến)."""
