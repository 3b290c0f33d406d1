from django.urls import path

import pledgedesk.console.kb as knowledge
import pledgedesk.console.reports as reports
from pledgedesk.console import (
    calls,
    mail,
    notifications,
    oncall,
    outbox,
    queues,
    search,
    tokens,
    views,
    webhooks,
    widget,
)

app_name = "console"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("preferences/", views.preferences, name="preferences"),
    path("tokens/", tokens.tokens_page, name="tokens"),
    path("tokens/<int:token_id>/revoke/", tokens.revoke, name="revoke_token"),
    path("widgets/", widget.widgets_page, name="widgets"),
    path("widgets/<int:org_id>/", widget.widget_page, name="widget"),
    path("widgets/<int:org_id>/rotate/", widget.rotate, name="widget_rotate"),
    path("notifications/", notifications.notifications_page, name="notifications"),
    path("notifications/badge/", notifications.notifications_badge,
         name="notifications_badge"),
    path("notifications/read/", notifications.notifications_mark_read,
         name="notifications_read"),
    path("notifications/settings/", notifications.notify_settings, name="notify_settings"),
    path("outbox/", outbox.outbox_page, name="outbox"),
    path("outbox/<int:delivery_id>/retry/", outbox.retry_delivery, name="retry_delivery"),
    path("mail/", mail.mail_page, name="mail"),  # outbound mail that failed or bounced
    path("webhooks/", webhooks.webhooks_page, name="webhooks"),
    path("webhooks/new/", webhooks.webhook_new, name="webhook_new"),
    path("webhooks/<int:subscription_id>/", webhooks.webhook_page, name="webhook"),
    path("webhooks/<int:subscription_id>/rotate/", webhooks.webhook_rotate,
         name="webhook_rotate"),
    path("webhooks/<int:subscription_id>/active/", webhooks.webhook_active,
         name="webhook_active"),
    path("webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/",
         webhooks.delivery_page, name="webhook_delivery"),
    path("webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/replay/",
         webhooks.delivery_replay, name="webhook_replay"),
    path("reports/", reports.compliance_page, name="reports"),  # issue 19: SLA compliance
    path("reports/compliance.csv", reports.compliance_export, name="report_compliance_csv"),
    path("reports/tickets/", reports.tickets_page, name="report_tickets"),
    path("go/", search.search_page, name="search"),  # a ticket number jumps; text searches
    path("views/menu/", queues.views_menu, name="views_menu"),  # saved views (issue 16)
    path("views/new/", queues.view_save, name="view_new"),
    path("views/<int:view_id>/", queues.view_page, name="view"),
    path("views/<int:view_id>/edit/", queues.view_save, name="view_edit"),
    path("views/<int:view_id>/delete/", queues.view_delete, name="view_delete"),
    path("bulk/", queues.bulk, name="bulk"),  # bulk actions on selected rows
    path("bulk/bar/", queues.bulk_bar, name="bulk_bar"),
    path("oncall/", oncall.overview, name="oncall"),  # FG-8, FG-11: schedules and pages
    path("oncall/schedules/<int:schedule_id>/", oncall.schedule_page, name="oncall_schedule"),
    path("oncall/schedules/<int:schedule_id>/settings/", oncall.schedule_settings,
         name="oncall_settings"),
    path("oncall/schedules/<int:schedule_id>/layers/", oncall.layer_save, name="oncall_layer_add"),
    path("oncall/schedules/<int:schedule_id>/layers/<int:layer_id>/", oncall.layer_save,
         name="oncall_layer"),
    path("oncall/schedules/<int:schedule_id>/layers/<int:layer_id>/delete/", oncall.layer_delete,
         name="oncall_layer_delete"),
    path("oncall/schedules/<int:schedule_id>/overrides/", oncall.override_create,
         name="oncall_override_add"),
    path("oncall/schedules/<int:schedule_id>/overrides/<int:override_id>/delete/",
         oncall.override_delete, name="oncall_override_delete"),
    path("oncall/schedules/<int:schedule_id>/swaps/", oncall.swap_propose,
         name="oncall_swap_add"),
    path("oncall/schedules/<int:schedule_id>/swaps/<int:swap_id>/", oncall.swap_decide,
         name="oncall_swap_decide"),
    path("oncall/pages/", oncall.pages, name="oncall_pages"),
    path("oncall/pages/<int:page_id>/<str:action>/", oncall.page_answer, name="oncall_answer"),
    path("oncall/me/", oncall.mine, name="oncall_mine"),
    path("oncall/ack/<str:token>/", oncall.acknowledge_link, name="oncall_ack"),  # no session
    path("oncall/feed/<str:token>.ics", oncall.feed, name="oncall_feed"),  # no session
    path("calls/", calls.calls_page, name="calls"),  # FG-4: voicemail waiting for a person
    path("kb/", knowledge.kb_page, name="kb"),  # knowledge base (issue 18)
    path("kb/new/", knowledge.kb_edit, name="kb_new"),
    path("kb/pick/", knowledge.kb_pick, name="kb_pick"),  # the reply box's article picker
    path("kb/<slug:slug>/", knowledge.kb_article, name="kb_article"),
    path("kb/<slug:slug>/edit/", knowledge.kb_edit, name="kb_edit"),
    path("calls/<int:call_id>/identify/", calls.identify, name="call_identify"),
    path("calls/<int:call_id>/retry/", calls.retry, name="call_retry"),
    path("calls/<int:call_id>/audio/", calls.audio, name="call_audio"),
    path("tickets/<int:number>/", views.ticket, name="ticket"),
    path("tickets/<int:number>/next/", views.next_ticket, name="next"),
    path("tickets/<int:number>/timers/", views.timers_panel, name="timers"),
    path("tickets/<int:number>/compose/", views.compose, name="compose"),
    path("tickets/<int:number>/update/", views.update, name="update"),
    path("tickets/<int:number>/draft/", views.save_draft, name="draft"),
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
