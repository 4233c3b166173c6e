"""The hero_assistance project server: one process per customer project."""
