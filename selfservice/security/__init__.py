"""The Security tab: MFA factors and the user's authentication methods, enrollment, recovery code."""
