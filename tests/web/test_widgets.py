"""Issue 20: ``QuickSelect`` writes exactly what Django's ``Select`` renders through its
templates: the same attributes, the selected option, groups, and the same escaping."""

import pytest
from django import forms

from pledgedesk.web.widgets import QuickSelect

CHOICES = [("", "Unassigned"), ("1", 'Ann <b>"&'), ("2", "Bob"),
           ("Team <x>", [("3", "Cy"), ("4", "Di & Eve")])]


@pytest.mark.parametrize("value", [None, "", "2", "4", "<nope>"])
@pytest.mark.parametrize("attrs", [{}, {"form": "compose", "disabled": True, "data-x": 'a"b'}])
def test_quick_select_renders_what_select_renders(value, attrs):
    plain = forms.Select(choices=CHOICES, attrs=dict(attrs))
    quick = QuickSelect(choices=CHOICES, attrs=dict(attrs))

    expected = plain.render("assignee", value, attrs={"id": "ticket_assignee"})
    assert quick.render("assignee", value, attrs={"id": "ticket_assignee"}) == expected
    assert "<b>" not in expected  # the labels are escaped, not markup


def test_a_form_field_renders_the_same_with_either_widget():
    class Plain(forms.Form):
        status = forms.ChoiceField(choices=CHOICES[:3], label="Status")

    class Quick(forms.Form):
        status = forms.ChoiceField(choices=CHOICES[:3], label="Status", widget=QuickSelect)

    data = {"status": "9"}  # not a choice: the field shows its error

    assert str(Quick(data)["status"].as_field_group()) == str(
        Plain(data)["status"].as_field_group())
