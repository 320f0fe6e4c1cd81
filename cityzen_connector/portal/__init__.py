"""portal: see ARCHITECTURE.md."""
