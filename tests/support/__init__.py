"""Helpers shared by several test folders (one definition each; never imported by bare name).

The fake clock, memory backends and the emulator-backed client are the package's own test
kit, ``cityzen_connector.testing``; what is here is specific to this repository's tests.
"""
