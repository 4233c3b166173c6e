"""Adapters: one package per technology, each implementing domain ports."""
