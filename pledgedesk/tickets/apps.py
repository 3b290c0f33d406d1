from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "pledgedesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"

