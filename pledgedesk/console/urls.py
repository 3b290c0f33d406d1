from django.urls import path

from pledgedesk.console import outbox, tokens, views

app_name = "console"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("preferences/", views.preferences, name="preferences"),
    path("tokens/", tokens.tokens_page, name="tokens"),
    path("tokens/<int:token_id>/revoke/", tokens.revoke, name="revoke_token"),
    path("outbox/", outbox.outbox_page, name="outbox"),
    path("outbox/<int:delivery_id>/retry/", outbox.retry_delivery, name="retry_delivery"),
    path("go/", views.search, name="search"),
    path("tickets/<int:number>/", views.ticket, name="ticket"),
    path("tickets/<int:number>/next/", views.next_ticket, name="next"),
    path("tickets/<int:number>/timers/", views.timers_panel, name="timers"),
    path("tickets/<int:number>/compose/", views.compose, name="compose"),
    path("tickets/<int:number>/update/", views.update, name="update"),
    path("tickets/<int:number>/assign-me/", views.assign_me, name="assign_me"),
    path("tickets/<int:number>/exclusion/", views.exclusion, name="exclusion"),
    path("tickets/<int:number>/identity/", views.verify_identity, name="verify_identity"),
    path("tickets/<int:number>/requester/", views.identify_requester,
         name="identify_requester"),
    path("tickets/<int:number>/cc/", views.set_cc, name="set_cc"),
    path("tickets/<int:number>/topic/", views.set_topic, name="set_topic"),
    path("tickets/<int:number>/ban/", views.ban, name="ban"),
    path("tickets/<int:number>/attachments/<int:attachment_id>/", views.download,
         name="download"),
]
