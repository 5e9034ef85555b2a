"""simulators/profiles."""
