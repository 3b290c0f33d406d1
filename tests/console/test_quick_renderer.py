"""Issue 20: the console's form renderer (``QUICK``) writes in Python what Django's form
templates write: the field group, label, help text, errors, the ``<input>`` family, textarea,
and the ticket page's selects; every value escaped the same way."""

import pytest
from django import forms
from django.forms.renderers import get_default_renderer

from pledgedesk.console.forms import (
    QUICK,
    BanForm,
    CcForm,
    IdentityForm,
    LookupForm,
    QuickSelectMultiple,
)
from pledgedesk.console.merge import MergeForm
from pledgedesk.console.side_panel import TagsForm
from pledgedesk.web.uploads import MultipleFileField

PEOPLE = [("1", 'Ann <b>"&'), ("2", "Bob"), ("3", "Cy")]


class Every(forms.Form):
    text = forms.CharField(label='Name <i>"', max_length=20, help_text="Say <b>who</b>.")
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 2}))
    count = forms.IntegerField(label="How many?", min_value=1, max_value=9)
    hidden = forms.IntegerField(widget=forms.HiddenInput)
    email = forms.EmailField(label="Email", required=False)
    check = forms.BooleanField(label="Yes", required=False)
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B <x>")],
                             widget=forms.RadioSelect)
    people = forms.MultipleChoiceField(label="People", choices=PEOPLE, required=False,
                                       widget=QuickSelectMultiple(attrs={"size": 6}))
    nolabel = forms.CharField(label="", required=False)
    files = MultipleFileField(label="Files")


BOUND = {"text": 'far too long a name <script>"&', "body": "Hello <b>&\n", "count": "12",
         "hidden": "x", "email": "nope", "kind": "b", "people": ["1", "3"], "nolabel": "x"}


def _same(make):
    """Every field of the form, rendered by QUICK and by Django's templates."""
    quick, plain = make(QUICK), make(get_default_renderer())
    for name in plain.fields:
        for render in (lambda f: f.as_field_group(), str, lambda f: f.label_tag()):
            assert str(render(quick[name])) == str(render(plain[name])), name
        if isinstance(plain.fields[name].widget, forms.RadioSelect):  # each button alone
            for q, p in zip(quick[name], plain[name], strict=True):
                assert (str(q.tag()), str(q)) == (str(p.tag()), str(p)), name


@pytest.mark.parametrize("data", [None, {}, BOUND])
@pytest.mark.parametrize("auto_id", ["id_%s", "x_%s", ""])
def test_every_field_renders_what_django_renders(data, auto_id):
    _same(lambda renderer: Every(data, renderer=renderer, auto_id=auto_id,
                                 initial={"text": "Ann & <Bob>", "people": ["2"]}))


def test_the_error_list_is_djangos_when_there_are_errors():
    form = Every(BOUND, renderer=QUICK)
    assert form.errors["text"]
    assert 'class="errorlist"' in str(form["text"].as_field_group())
    assert 'id="id_text_error"' in str(form["text"].as_field_group())


@pytest.mark.parametrize("data", [None, {"version": "x", "contact": "9", "cc": ["7"],
                                         "method": "", "target": "zz", "tags": "<a>"}])
def test_the_ticket_page_forms_render_what_django_renders(data):
    _same(lambda r: IdentityForm(data, renderer=r, initial={"version": 3}))
    _same(lambda r: LookupForm(data, renderer=r, contacts=[], initial={"version": 3}))
    _same(lambda r: BanForm(data, renderer=r, target="organisation"))
    _same(lambda r: MergeForm(data, renderer=r, initial={"version": 3}))
    _same(lambda r: TagsForm(data, renderer=r, initial={"tags": "a, <b>", "version": 3}))

    class Contact:
        def __init__(self, pk, name):
            self.pk, self.name = pk, name

    contacts = [Contact(int(k), v) for k, v in PEOPLE]
    _same(lambda r: CcForm(data, renderer=r, contacts=contacts,
                           initial={"cc": ["1", "2"], "version": 3}))
    _same(lambda r: LookupForm(data, renderer=r, contacts=contacts, initial={"version": 3}))


def test_quick_select_multiple_reads_a_list():
    form = CcForm({"cc": ["1", "2"], "version": "3"}, contacts=[])
    assert form["cc"].field.widget.value_from_datadict(
        {"cc": ["1", "2"]}, {}, "cc") == ["1", "2"]
