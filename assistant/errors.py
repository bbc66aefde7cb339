"""The exception tree. Every message says what went wrong and how to fix it."""


class SpecreviewError(Exception):
    """Base of every error specreview raises on purpose."""


class ConfigError(SpecreviewError):
    """Settings are missing, contradictory or unsafe."""


class InputError(SpecreviewError):
    """A file or request the user gave cannot be used (empty, binary, too large, ...)."""


class StoreError(SpecreviewError):
    """The vector store is unreachable or refused an operation."""


class DatabaseError(SpecreviewError):
    """The findings database is unreachable, locked, or refused an operation."""


class EmbedderError(SpecreviewError):
    """The embedding model could not be loaded or run."""


class LLMError(SpecreviewError):
    """The language model failed: unreachable, refused, timed out or replied with garbage."""

    def __init__(self, message: str, *, raw: str | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.raw = raw
        self.retryable = retryable
