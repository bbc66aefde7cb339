"""specreview's engine: review and chat over a team's indexed history."""

__version__ = "0.1.0"
