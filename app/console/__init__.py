"""Console layer: staff accounts, what agents learn from cases (article links, knowledge requests),
article views and the desk's reports. Plain Python and SQLAlchemy (no Flask); reads the cases layer."""
