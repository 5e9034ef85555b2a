"""simulators/data."""
