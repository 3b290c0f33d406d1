from django.contrib import admin
from django.urls import include, path

from pledgedesk.api.calls import call_hook

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("pledgedesk.api.urls")),
    path("hooks/calls/<slug:provider>/", call_hook, name="call_hook"),  # FG-4, FG-8
    path("portal/", include("pledgedesk.portal.urls")),
    path("console/", include("pledgedesk.console.urls")),
    path("", include("pledgedesk.web.urls")),
]

# A failure outside any API handler (a middleware, say) still answers an API path in the API's
# error shape, with a request id; pages keep Django's own 500 page.
handler500 = "pledgedesk.api.errors.server_error"
