"""localhost: see ARCHITECTURE.md."""
