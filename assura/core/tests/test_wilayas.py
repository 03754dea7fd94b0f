"""The wilayas reference data: read by administrators, changed by the platform's operator only
(the page or `manage.py wilayas_load`), never deleted; a deactivated wilaya stays on its records."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from assura.core.models import AuditEvent, Wilaya
from assura.core.wilayas import wilaya_update, wilayas_load
from assura.customers.forms import ContactForm
from assura.customers.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(admin):
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    return admin


def test_the_official_list_is_there_from_the_migration():
    assert Wilaya.objects.count() >= 58
    assert Wilaya.objects.get(code="16").name == "Alger"


def test_company_administrators_read_the_list_but_do_not_edit_it(client, admin, agent, org):
    ContactFactory(organization=org, wilaya_id="16")
    client.force_login(admin)
    page = client.get("/reference/wilayas/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Alger" in body and "/reference/wilayas/16/" not in body
    assert client.post("/reference/wilayas/16/", {"name": "Alger-Centre", "is_active": "on"}).status_code == 403
    assert Wilaya.objects.get(code="16").name == "Alger"
    client.force_login(agent)
    assert client.get("/reference/wilayas/").status_code == 403


def test_the_operator_renames_and_deactivates_with_an_audit_event(client, operator):
    client.force_login(operator)
    assert "/reference/wilayas/16/" in client.get("/reference/wilayas/").content.decode()

    response = client.post("/reference/wilayas/16/", {"name": "Alger (capitale)", "name_ar": "الجزائر"})

    assert response.status_code == 302
    wilaya = Wilaya.objects.get(code="16")
    assert (wilaya.name, wilaya.is_active) == ("Alger (capitale)", False)
    event = AuditEvent.objects.get(action="reference.changed")
    assert event.data["before"]["name"] == "Alger" and event.data["after"]["is_active"] is False


def test_an_empty_name_is_a_field_error_and_nothing_changes(client, operator):
    client.force_login(operator)
    response = client.post("/reference/wilayas/16/", {"name": "  ", "is_active": "on"})
    assert response.status_code == 200 and "obligatoire" in response.content.decode()
    assert Wilaya.objects.get(code="16").name == "Alger"


def test_the_service_refuses_a_non_operator(admin):
    with pytest.raises(PermissionDenied):
        wilaya_update(actor=admin, wilaya=Wilaya.objects.get(code="16"), name="X", name_ar="", is_active=True)


def test_a_deactivated_wilaya_is_not_offered_but_a_record_that_has_it_keeps_it(org, admin):
    contact = ContactFactory(organization=org, wilaya_id="16")
    Wilaya.objects.filter(code="16").update(is_active=False)

    new_form = ContactForm(user=admin)
    edit_form = ContactForm(user=admin, instance=contact)

    assert not new_form.fields["wilaya"].queryset.filter(code="16").exists()
    assert edit_form.fields["wilaya"].queryset.filter(code="16").exists()


def test_loading_the_official_list_creates_renames_and_deactivates_all_or_nothing():
    text = "code;nom;nom_ar\n16;Alger;الجزائر\n31;Oran (Wahran);وهران\n70;Nouvelle wilaya;ولاية جديدة\n"
    counts = wilayas_load(text=text, deactivate_missing=True)
    assert counts["created"] == 1 and counts["updated"] == 1 and counts["deactivated"] >= 55
    assert Wilaya.objects.get(code="70").is_active and Wilaya.objects.get(code="31").name == "Oran (Wahran)"
    assert not Wilaya.objects.get(code="09").is_active and Wilaya.objects.filter(code="09").exists()

    with pytest.raises(ValidationError) as refused:
        wilayas_load(text="16;Alger\nabc;Nulle part\n71;;\n")
    assert any("Ligne 2" in m for m in refused.value.messages) and any("Ligne 3" in m for m in refused.value.messages)
    assert not Wilaya.objects.filter(code="71").exists()


def test_the_command_loads_a_file_and_reports_bad_lines(tmp_path, capsys):
    good = tmp_path / "wilayas.csv"
    good.write_text("code,nom,nom_ar\n69,Wilaya test,\n", encoding="utf-8")
    call_command("wilayas_load", str(good))
    assert "created 1" in capsys.readouterr().out and Wilaya.objects.get(code="69").name == "Wilaya test"

    bad = tmp_path / "bad.csv"
    bad.write_text("16;Alger\n16;Alger\n", encoding="utf-8")
    with pytest.raises(CommandError, match="plusieurs fois"):
        call_command("wilayas_load", str(bad))


def test_the_api_keeps_a_deactivated_wilaya_on_its_record_but_does_not_offer_it(org, admin):
    from rest_framework.test import APIClient

    contact = ContactFactory(organization=org, wilaya_id="16")
    Wilaya.objects.filter(code="16").update(is_active=False)
    api = APIClient()
    api.force_authenticate(admin)

    kept = api.patch(f"/api/v1/contacts/{contact.pk}/", {"wilaya": "16", "profession": "Pilote"}, format="json")
    created = api.post("/api/v1/contacts/", {"last_name": "Nouveau", "first_name": "Client", "wilaya": "16"},
                       format="json")

    assert kept.status_code == 200, kept.content
    contact.refresh_from_db()
    assert (contact.wilaya_id, contact.profession) == ("16", "Pilote")
    assert created.status_code == 400 and "wilaya" in created.json()
