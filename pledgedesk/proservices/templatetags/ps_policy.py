"""``{% ps_policy_terms policy as terms %}``: the policy's Professional Services terms for the
customer's policy page (``portal/_policy_proservices.html``, issue 17)."""

from django import template

from pledgedesk.proservices.terms import Terms, terms_of

register = template.Library()


@register.simple_tag
def ps_policy_terms(policy) -> Terms | None:
    return terms_of(policy) if policy is not None else None
