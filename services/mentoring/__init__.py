"""Mentoring: the Startup Consultation Point's mentors, requests, matches and sessions."""
