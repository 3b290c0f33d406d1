from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "pledgedesk.workspace"
    label = "workspace"
