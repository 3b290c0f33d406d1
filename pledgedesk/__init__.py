"""Pledgedesk: a helpdesk whose support policy is a file."""

__version__ = "0.1.0"
