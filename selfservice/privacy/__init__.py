"""The Privacy tab: download everything held about the user (``export``), delete the account (``deletion``)."""
