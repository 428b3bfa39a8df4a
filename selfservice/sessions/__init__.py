"""The Sessions tab: the user's Auth0 sessions listed (``listing``), named (``devices``) and revoked."""
