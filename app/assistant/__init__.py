"""Assistant layer: a question becomes evidence (matcher), a pure decision (decide), routing and a reply.

Reads content through the search and content layers and routing through ``app.servicemodel``; no Flask.
"""
