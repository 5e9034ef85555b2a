"""simulators/acquirer."""
