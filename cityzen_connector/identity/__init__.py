"""identity: see ARCHITECTURE.md."""
