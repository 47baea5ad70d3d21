"""The HTTP API of the decisions service (architecture.md §1, §5), one router per concern:
commands on cases (``cases``), the life of an act after its signature (``after_signature``,
issue #17), case lists and Latvian documents (``queries``), assistants and assignments
(``assistants``), erasure (``privacy``, issue #9); ``app.py`` lists them (``ROUTERS``).
What they share (access, bodies) is in ``support``; answer models in ``models``; the JSON
of a case and a decision in ``views``.
"""
