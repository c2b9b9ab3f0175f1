"""Changes to people and their access: each module one of them (the profile, onboarding,
employees' access, personal API keys, the officers' group)."""
