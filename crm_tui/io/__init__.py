"""Readers and writers for vCard, CSV and iCalendar files. No Textual, no database session."""
