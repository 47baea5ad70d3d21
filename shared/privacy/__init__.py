"""Crypto-shredding of personal fields (issue #9, architecture.md §9).

- :mod:`shared.privacy.cipher`: AES-256-GCM for one field, the wire form, key wrapping (pure).
- :mod:`shared.privacy.keyring`: a data key per person in a JetStream key-value bucket,
  each key wrapped by ``ASIST_MASTER_KEY``; destroying the key erases the person.
- :mod:`shared.privacy.protect`: seals an event's ``data`` before it is stored and
  published, and opens it when it is read or consumed, so handlers see clear values.
"""
