"""URL patterns of the API, included by the project at ``api/v1/`` (namespace ``api-v1``)."""

from pledgedesk.api.main import api

app_name = "api-v1"
urlpatterns = api.urls[0]
