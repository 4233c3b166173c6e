"""The pure core: entities, value objects, policy, use cases and ports.

Nothing here performs I/O or imports anything outside the standard library; time,
randomness, storage, mail and live delivery arrive through the ports in
:mod:`hero_assistance.domain.ports`.
"""
