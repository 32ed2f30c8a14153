"""Domain operations: plain functions that take a Session. No Textual, no printing."""
