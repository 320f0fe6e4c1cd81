"""CityZen connector: a collectivité's citizen portal on Microsoft Dynamics 365.

Sub-packages follow ``ARCHITECTURE.md``: ``dataverse`` (Web API client), ``emulator`` (embedded
Dataverse), ``messaging`` (queue port), ``store`` (state and blobs), ``mapping``, ``sync``
(use cases), ``identity``, ``portal``, ``agents`` and ``localhost`` (local Functions host).
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
