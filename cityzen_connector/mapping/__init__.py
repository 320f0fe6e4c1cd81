"""mapping: see ARCHITECTURE.md."""
