"""The CLI's command groups, one module per capability; :mod:`illustrated.cli` assembles them.

Each module defines ``app`` (a typer group) and may define ``demo(out, echo)``, its part of
``illustrated demo``.
"""
