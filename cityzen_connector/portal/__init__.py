"""What the portal shows besides requests: news and agenda from RSS, procedure and knowledge
search with popular searches, address help (ARCHITECTURE.md, the ``portal/`` room)."""

__all__: list[str] = []
