"""The Preferences tab: ``user_metadata`` edited through a form built from the active JSON Schema.

``schemas`` checks a schema and validates documents, ``fields`` and ``forms`` turn a schema into a
Django form, ``views`` serves the tab and its inline validation.
"""
