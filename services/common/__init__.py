"""Code shared by the three services: entities, DAOs, security, settings, logging and errors.

Nothing in this package imports a service package.
"""
