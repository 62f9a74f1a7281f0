"""면접 튜터: a Korean AI/ML interview tutor grounded in study notes."""

__version__ = "0.1.0"
