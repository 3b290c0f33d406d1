from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "pledgedesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from django.db.models.signals import post_init, post_save

        from pledgedesk.accounts.models import Contact, Organisation
        from pledgedesk.tickets import search

        # A renamed contact or organisation is reindexed in the rename's transaction.
        for model in (Contact, Organisation):
            post_init.connect(search.remember_name, sender=model,
                              dispatch_uid=f"search-name-{model.__name__}")
            post_save.connect(search.reindex_if_renamed, sender=model,
                              dispatch_uid=f"search-rename-{model.__name__}")
