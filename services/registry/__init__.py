"""Registry: startups and ideas, teams, needs, verification status."""
