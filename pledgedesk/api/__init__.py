"""Pledgedesk JSON API (Django Ninja)."""
