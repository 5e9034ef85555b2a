"""simulators/diapason."""
