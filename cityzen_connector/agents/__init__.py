"""Agents' accounts: Entra ID groups (directory port over Microsoft Graph) to Dataverse users,
teams and roles, reconciliation planned as data (ARCHITECTURE.md, the ``agents/`` room)."""

__all__: list[str] = []
