"""Blob storage on disk: content-addressed, atomically written files."""

from .files import FileBlobStore

__all__ = ["FileBlobStore"]
