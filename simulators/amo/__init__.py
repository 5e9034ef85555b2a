"""simulators/amo."""
