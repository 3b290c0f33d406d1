"""Publishing support policy versions (PR-9, issue 18; docs/policy-versions.md): checking and
storing a new version with its effective instant and publisher, announcing it (a portal and
widget banner, a mail to each primary contact through the outbox), and applying it to open
tickets with a dry run first. Above tickets and channels; the model and the choice of the
version in force stay in ``pledgedesk.versions``."""
