"""simulators/gap."""
