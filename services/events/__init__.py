"""The events service: the plan's trainings, seminars, conferences, workshops and festival
days, with registration, waitlists, QR check-in, attendance and certificates (issue 18)."""
