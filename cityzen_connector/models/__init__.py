"""models: see ARCHITECTURE.md."""
