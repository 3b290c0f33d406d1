from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("pledgedesk.api.urls")),
    path("portal/", include("pledgedesk.portal.urls")),
    path("console/", include("pledgedesk.console.urls")),
    path("", include("pledgedesk.web.urls")),
]
