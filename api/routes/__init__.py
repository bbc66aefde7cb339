"""HTTP routes: the versioned JSON API (/v1), health and metrics, and the web pages."""
