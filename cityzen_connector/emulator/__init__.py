"""emulator: see ARCHITECTURE.md."""
