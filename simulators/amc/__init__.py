"""simulators/amc."""
