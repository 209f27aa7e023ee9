"""The HTTP side of every service: app builder, runtime, dependencies, auth, problems, health."""
