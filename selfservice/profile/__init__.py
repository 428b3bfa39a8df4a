"""The General tab: the user's Auth0 profile (root attributes) shown and edited."""
