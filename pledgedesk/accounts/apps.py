from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pledgedesk.accounts"
    label = "accounts"
    verbose_name = "Organisations, contacts and agents"
