"""simulators/annuaire."""
