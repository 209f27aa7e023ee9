"""The HTTP side of every service: app builder, runtime, dependencies, auth, problems, health.

Import the module you need (`shared.web.app`, `shared.web.auth`, ...); this package re-exports
nothing, so importing it builds no app and opens no connection.
"""

__all__: list[str] = []
