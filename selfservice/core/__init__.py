"""What every feature shares: the site adapter, audit, rate limits, http helpers, tab mixins.

Features import from here; nothing here imports a feature package.
"""
