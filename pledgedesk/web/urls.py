from django.urls import path

from pledgedesk.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("priority-colours.css", views.priority_css, name="priority_css"),
]
