"""Attachments: type decided by content and size limit (French messages), stored per company,
served only through the checked view (404 for another company or a record the user may not
see), deleted by the uploader or an administrator, and the panel on a record page."""

import io
import zipfile

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from assura.core import attachments
from assura.core.models import Attachment, AuditAction, AuditEvent, Visibility
from assura.core.testing import factories as f
from assura.core.tests.factories import PDF_BYTES, AttachmentFactory


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def office_bytes(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{part}/document.xml", "<doc/>")
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office/>")
    return buffer.getvalue()


@pytest.fixture
def record(admin, org):
    """A record of the company owned by the admin: the admin's own job (core knows no domain model)."""
    return f.JobFactory(organization=org, created_by=admin)


# --- Types and sizes -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "mime"), [
    ("attestation.pdf", PDF_BYTES, "application/pdf"),
    ("photo.PNG", png_bytes(), "image/png"),
    ("contrat.docx", office_bytes("word"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("sinistres.xlsx", office_bytes("xl"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("courrier.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
    ("ancien.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "application/msword"),
    ("liste.csv", "nom;prénom\nAïssani;Karim\n".encode(), "text/csv"),
])
def test_accepted_files_are_stored_per_company_with_their_type(admin, org, record, name, content, mime):
    attachment = attachments.attachment_add(actor=admin, record=record, file=upload(name, content))

    attachment.refresh_from_db()
    assert (attachment.name, attachment.size, attachment.mime_type, attachment.uploaded_by) == (
        name, len(content), mime, admin)
    assert (attachment.content_type.model, attachment.object_id, attachment.organization) == ("job", record.pk, org)
    assert attachment.file.name.startswith(f"attachments/{org.pk}/")
    with attachment.file.open("rb") as stored:
        assert stored.read() == content


TYPE_REFUSED = ("Type de fichier non autorisé. Formats acceptés : PDF, images (PNG, JPEG, GIF, WebP), Word, Excel, "
                "PowerPoint, OpenDocument, texte (TXT, CSV).")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("script.exe", b"MZ\x90\x00", TYPE_REFUSED),
    ("page.html", b"<script>alert(1)</script>", TYPE_REFUSED),
    ("facture.pdf", b"MZ\x90\x00 not a pdf", TYPE_REFUSED),
    ("photo.pdf", png_bytes(), "Le contenu du fichier ne correspond pas à son extension « .pdf »."),
    ("archive.docx", b"PK\x03\x04 broken zip", TYPE_REFUSED),
    ("faux.png", b"\x89PNG\r\n\x1a\n truncated", TYPE_REFUSED),
    ("binaire.txt", b"\x00\x01\x02", TYPE_REFUSED),
    ("sans-extension", PDF_BYTES, TYPE_REFUSED),
    ("vide.pdf", b"", "Le fichier est vide."),
])
def test_refused_files_say_why_in_french_and_nothing_is_stored(admin, record, name, content, message, settings):
    with pytest.raises(ValidationError) as exc:
        attachments.attachment_add(actor=admin, record=record, file=upload(name, content))

    assert exc.value.message_dict == {"file": [message]}
    assert not Attachment.objects.exists()


def test_a_file_over_10_mb_is_refused(admin, record):
    big = upload("gros.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024))

    with pytest.raises(ValidationError) as exc:
        attachments.attachment_add(actor=admin, record=record, file=big)

    assert exc.value.message_dict == {"file": ["Le fichier dépasse la taille maximale de 10 Mo."]}
    assert not Attachment.objects.exists()


def test_a_role_without_files_attach_cannot_add(supervisor, org):
    job = f.JobFactory(organization=org, created_by=supervisor)

    with pytest.raises(PermissionDenied):
        attachments.attachment_add(actor=supervisor, record=job, file=upload("a.pdf", PDF_BYTES))
    assert not Attachment.objects.exists()


def test_a_record_the_user_may_not_see_cannot_receive_files(agent, admin, other_admin, org):
    # Jobs are personal: the agent does not see the admin's, nor another company's
    for job in (f.JobFactory(organization=org, created_by=admin), f.JobFactory(created_by=other_admin,
                                                                                organization=other_admin.organization)):
        with pytest.raises(Http404):
            attachments.attachment_add(actor=agent, record=job, file=upload("a.pdf", PDF_BYTES))
    assert not Attachment.objects.exists()


# --- Views ---------------------------------------------------------------------------------------------

def test_upload_through_the_form_then_download_with_the_original_name(client, admin, record):
    client.force_login(admin)

    response = client.post(reverse("attachments:add"), {
        "record": f"core.job:{record.pk}", "next": "/jobs/", "file": upload("Attestation 2026 (signée).pdf", PDF_BYTES),
    })

    assert response.status_code == 302 and response["Location"] == "/jobs/"
    attachment = Attachment.objects.get()
    download = client.get(reverse("attachments:download", args=[attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == "attachment; filename*=utf-8''Attestation%202026%20%28sign%C3%A9e%29.pdf"
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_the_form_reports_a_refused_file(client, admin, record):
    client.force_login(admin)

    response = client.post(reverse("attachments:add"), {"record": f"core.job:{record.pk}",
                                                        "file": upload("photo.pdf", png_bytes())}, follow=True)

    assert "Le contenu du fichier ne correspond pas à son extension « .pdf »." in response.content.decode()
    assert not Attachment.objects.exists()


def test_an_htmx_upload_returns_the_refreshed_panel(client, admin, record):
    client.force_login(admin)

    response = client.post(reverse("attachments:add"), {"record": f"core.job:{record.pk}",
                                                        "file": upload("note.txt", b"Rappeler lundi")},
                           HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="attachments-panel"' in body and "note.txt" in body


@pytest.mark.parametrize("reference", ["core.job:999999", "core.job:abc", "nope", "identity.user:1",
                                       "core.attachment:1", "contenttypes.contenttype:1"])
def test_upload_to_an_unknown_or_unattachable_record_is_a_404(client, admin, reference):
    client.force_login(admin)

    response = client.post(reverse("attachments:add"), {"record": reference, "file": upload("a.pdf", PDF_BYTES)})

    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_download_and_delete_of_another_company_s_file_are_404(client, admin, other_org):
    foreign = AttachmentFactory(organization=other_org)
    client.force_login(admin)

    assert client.get(reverse("attachments:download", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("attachments:delete", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("attachments:add"), {"record": f"core.job:{foreign.object_id}",
                                                    "file": upload("a.pdf", PDF_BYTES)}).status_code == 404
    assert Attachment.objects.filter(pk=foreign.pk).exists()


def test_a_file_on_a_record_the_user_may_not_see_is_a_404(client, agent, admin, org):
    # The admin's job is not visible to the agent (jobs are personal), so neither is its file
    hidden = AttachmentFactory(organization=org, record=f.JobFactory(organization=org, created_by=admin))
    client.force_login(agent)

    assert client.get(reverse("attachments:download", args=[hidden.pk])).status_code == 404
    assert client.post(reverse("attachments:delete", args=[hidden.pk])).status_code == 404
    assert Attachment.objects.filter(pk=hidden.pk).exists()


def test_visibility_follows_the_record_rules(client, agent, org):
    # A record the agent sees (their own job): the file is served
    mine = AttachmentFactory(organization=org, record=f.JobFactory(organization=org, created_by=agent))
    client.force_login(agent)

    assert client.get(reverse("attachments:download", args=[mine.pk])).status_code == 200
    org.user_visibility = Visibility.OWN
    org.save()
    assert client.get(reverse("attachments:download", args=[mine.pk])).status_code == 200


def test_the_uploader_or_an_administrator_deletes_others_get_403(client, admin, agent, editor, org,
                                                                  django_capture_on_commit_callbacks):
    job = f.JobFactory(organization=org, created_by=agent)
    by_agent = attachments.attachment_add(actor=agent, record=job, file=upload("a.pdf", PDF_BYTES))
    by_admin = attachments.attachment_add(actor=admin, record=job, file=upload("b.pdf", PDF_BYTES))
    stored = by_admin.file.name

    client.force_login(agent)
    assert client.post(reverse("attachments:delete", args=[by_admin.pk])).status_code == 403
    assert Attachment.objects.filter(pk=by_admin.pk).exists()

    with pytest.raises(PermissionDenied):
        attachments.attachment_delete(actor=editor, attachment=by_agent)

    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("attachments:delete", args=[by_admin.pk]), {"next": "/jobs/"})
    assert response.status_code == 302 and response["Location"] == "/jobs/"
    assert list(Attachment.objects.values_list("pk", flat=True)) == [by_agent.pk]
    assert not by_admin.file.storage.exists(stored)
    event = AuditEvent.objects.get(action=AuditAction.DELETION)
    assert event.data == {"attachment": "b.pdf", "record": f"core.job:{job.pk}"}


# --- Panel and selector --------------------------------------------------------------------------------

def test_attachments_for_lists_the_record_files_newest_first(admin, other_admin, org, record):
    first = attachments.attachment_add(actor=admin, record=record, file=upload("a.pdf", PDF_BYTES))
    second = attachments.attachment_add(actor=admin, record=record, file=upload("b.pdf", PDF_BYTES))
    AttachmentFactory(organization=org)  # another record's

    assert list(attachments.attachments_for(admin, record)) == [second, first]
    assert list(attachments.attachments_for(other_admin, record)) == []


def test_the_panel_tag_renders_files_and_the_upload_form(admin, agent, org, record, django_assert_max_num_queries):
    for n in range(5):
        attachments.attachment_add(actor=admin, record=record, file=upload(f"piece-{n}.pdf", PDF_BYTES))
    request = RequestFactory().get(f"/jobs/{record.pk}/")
    request.user = admin
    template = Template("{% load attachment_tags %}{% attachments_panel object %}")

    with django_assert_max_num_queries(4):
        html = template.render(Context({"object": record, "request": request, "csrf_token": "tok"}))

    assert html.count('data-testid="attachment"') == 5
    assert f'name="record" value="core.job:{record.pk}"' in html
    assert 'value="tok"' in html and "piece-4.pdf" in html
    assert html.count(reverse("attachments:delete", args=[Attachment.objects.first().pk])) == 1


def test_the_panel_hides_the_form_from_roles_that_may_not_attach(supervisor, org):
    job = f.JobFactory(organization=org, created_by=supervisor)
    request = RequestFactory().get("/")
    request.user = supervisor

    html = Template("{% load attachment_tags %}{% attachments_panel object %}").render(
        Context({"object": job, "request": request}))

    assert "Aucune pièce jointe." in html and 'name="file"' not in html


def test_files_are_not_reachable_by_a_public_media_url(client, admin, record):
    attachment = attachments.attachment_add(actor=admin, record=record, file=upload("a.pdf", PDF_BYTES))
    client.force_login(admin)

    assert client.get(f"/media/{attachment.file.name}").status_code == 404
    assert ContentType.objects.get_for_model(record) == attachment.content_type
