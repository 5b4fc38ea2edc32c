"""workbench: AI-assisted post-production on filmed material."""

__version__ = "0.1.0"
