"""hardware_emulator."""
