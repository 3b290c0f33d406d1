from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "pledgedesk.channels"
    label = "channels"
    verbose_name = "Channels"
