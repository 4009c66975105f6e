"""HTTP plumbing shared by the services: app factory, middleware, problem handlers, health."""
