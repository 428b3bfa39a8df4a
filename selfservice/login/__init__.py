"""Signing in and out: social-auth's Auth0 backend and pipeline step, the login and logout
pages, and OIDC back-channel logout (logout-token checks, the sid -> Django session map)."""
