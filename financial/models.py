"""Declarations, the ledger, payments and statements live here."""
