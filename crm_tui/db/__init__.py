"""Database layer: engine, tables, schema version. Never imports Textual."""
