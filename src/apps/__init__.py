"""Applications: each has one composition root (``containers.py``) and a command line."""
