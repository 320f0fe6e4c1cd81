"""CityZen connector: a collectivité's citizen portal on Microsoft Dynamics 365.

Sub-packages follow ``ARCHITECTURE.md``: ``models`` (wire models), ``dataverse`` (Web API
client), ``messaging`` (queue port), ``store`` (state and blobs), ``mapping``, ``identity``,
``sync`` (use cases: ``intake``, ``pipeline``), ``api`` (HTTP core), ``app`` (composition
root), ``cli``, ``testing`` (test kit), ``emulator`` (embedded Dataverse) and ``localhost``
(local Functions host). The shared kernel is ``_clock``, ``_types``, ``_sqlite`` and
``_private`` (private files for personal data at rest), with ``_lazy`` and ``_strict_json``.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
