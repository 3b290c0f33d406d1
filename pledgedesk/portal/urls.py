from django.urls import path

import pledgedesk.portal.csat as survey
import pledgedesk.portal.kb as help_centre
import pledgedesk.portal.reports as promises
import pledgedesk.portal.search as portal_search
import pledgedesk.portal.widget_settings as widget_admin
from pledgedesk.portal import access_link, announcements, proservices, views, widget

app_name = "portal"
urlpatterns = [
    path("", views.tickets, name="tickets"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("password-reset/", views.PasswordReset.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDone.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirm.as_view(),
         name="password_reset_confirm"),
    path("password-reset/complete/", views.PasswordResetComplete.as_view(),
         name="password_reset_complete"),
    path("requests/new/", views.submit, name="submit"),
    path("tickets/<int:number>/", views.ticket, name="ticket"),
    path("promises-kept/", promises.compliance_page, name="compliance"),  # issue 19
    path("tickets/<int:number>/reply/", views.reply, name="reply"),
    path("tickets/<int:number>/reopen/", views.reopen, name="reopen"),
    path("tickets/<int:number>/escalate/", views.escalate, name="escalate"),
    path("tickets/<int:number>/attachments/<int:attachment_id>/", views.download,
         name="download"),
    path("people/", views.people_page, name="people"),
    path("people/<int:contact_id>/authorised/", views.person_authorised,
         name="person_authorised"),
    path("access/<int:number>/", views.decide_access, name="decide_access"),
    # FG-10 by mail: the signed link the primary contact is sent (shows; never decides)
    path("access/<int:number>/link/<str:token>/", access_link.access_link, name="access_link"),
    path("survey/<str:token>/", survey.survey, name="survey"),  # issue 16: after Solved
    path("search/", portal_search.search_page, name="search"),  # issue 16
    path("policy/", views.policy, name="policy"),
    path("policy/<slug:key>/", views.policy, name="policy_by_key"),
    path("widget/<slug:public_id>/", widget.frame, name="widget"),
    path("widget/<slug:public_id>/start/", widget.start, name="widget_start"),
    path("widget/<slug:public_id>/request/", widget.request_, name="widget_request"),
    path("widget/<slug:public_id>/suggest/", widget.suggest, name="widget_suggest"),
    path("widget/<slug:public_id>/article/", widget.article, name="widget_article"),
    # Issue 14: the primary contact sets where their product may embed the widget
    path("widget-settings/", widget_admin.widget_settings, name="widget_settings"),
    # PR-9 (issue 18): a policy announcement's banner, dismissed per person
    path("widget/<slug:public_id>/announcements/dismiss/", announcements.widget_dismiss,
         name="widget_dismiss"),
    path("announcements/<int:announcement_id>/dismiss/", announcements.dismiss,
         name="announcement_dismiss"),
    path("help/", help_centre.help_index, name="kb"),  # knowledge base (issue 18)
    path("help/suggest/", help_centre.suggest, name="kb_suggest"),
    path("help/<slug:slug>/", help_centre.article, name="kb_article"),
    path("help/<slug:slug>/vote/", help_centre.vote, name="kb_vote"),
    path("help/<slug:slug>/files/<int:attachment_id>/", help_centre.attachment,
         name="kb_attachment"),
    path("hour-banks/", proservices.bank, name="ps_bank"),
    path("engagements/", proservices.engagements, name="ps_engagements"),
    path("engagements/<int:engagement_id>/", proservices.engagement, name="ps_engagement"),
    path("engagements/<int:engagement_id>/documents/<int:document_id>/", proservices.document,
         name="ps_document"),
    path("feature-requests/", proservices.features, name="ps_features"),
]
