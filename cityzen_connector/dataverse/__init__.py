"""dataverse: see ARCHITECTURE.md."""
