"""The gateway: the only public door. Authenticates, authorises, validates, calls services."""
