"""Template filters for desk pages: ``{{ at|instant:zone }}``, ``{{ seconds|duration }}``,
``{{ message.body|clean_body }}``."""

from django import template

from pledgedesk.web import present

register = template.Library()


@register.filter
def instant(value, tz=None):
    return present.instant(value, tz)


@register.filter
def duration(value):
    return present.duration(value)


@register.filter
def clean_body(value):
    return present.clean_body(value)


@register.filter
def message_body(message):
    return present.message_body(message)


@register.filter
def iso(value):
    return value.isoformat() if value is not None else ""


@register.filter
def instant_short(value, tz=None):
    return present.instant_short(value, tz)


@register.filter
def instant_named(value, tz=None):
    return present.instant_named(value, tz)
