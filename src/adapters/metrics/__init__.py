"""Prometheus metrics of one server: counters on the hot path, readings at scrape time."""

from .prometheus import CONTENT_TYPE, ServerMetrics

__all__ = ["CONTENT_TYPE", "ServerMetrics"]
