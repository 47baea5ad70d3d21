"""The case of one application: commands, state, ``decide`` and ``evolve`` (pure).

``decide`` (case/decide.py) imports every module that decides an event, and each of them
registers the rules of its commands and how its events change the case (``@decides`` and
``@evolves`` in case/state.py): importing it here makes the registries complete whenever
anything of this package is imported.
"""

from services.decisions.case import decide as _registers_every_evolve_function  # noqa: F401
