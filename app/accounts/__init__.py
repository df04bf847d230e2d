"""Participant accounts (section 4.1): organisations, accounts verified by one-time codes, personal access tokens.

Plain Python and SQLAlchemy (no Flask); the tables live in the cases database. Imports only app.cases.
"""
