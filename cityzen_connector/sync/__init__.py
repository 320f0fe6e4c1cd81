"""sync: see ARCHITECTURE.md."""
