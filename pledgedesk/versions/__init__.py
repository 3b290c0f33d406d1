"""The policy-version registry: which exact policy text an organisation runs under now and a
ticket was opened under. Below accounts and tickets, which both read it; above the pure policy
package it compiles with."""
