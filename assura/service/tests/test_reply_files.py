"""Replies with attachments: checked like record documents, kept on the ticket and named on the
message, shown in the conversation, and carried by the e-mail the real SMTP server receives."""

import html
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from assura.core.models import Attachment
from assura.service import services
from assura.service.models import TicketMessage

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf(name="attestation.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def ticket(agent, desk):
    return services.ticket_create(actor=agent, subject="Attestation d'assurance", customer_name="Karima",
                                  customer_email="karima@example.dz", assignee=agent)


def test_reply_files_reach_the_customer_with_name_type_and_bytes(agent, ticket, smtp,
                                                                 django_capture_on_commit_callbacks):
    image = png_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        message = services.ticket_reply(actor=agent, ticket=ticket, body="Voici votre attestation.",
                                        files=[pdf(), SimpleUploadedFile("constat photo.png", image)])

    sent = smtp.wait(1)[0]
    parts = {part.get_filename(): part for part in sent.iter_attachments()}
    assert set(parts) == {"attestation.pdf", "constat photo.png"}
    assert parts["attestation.pdf"].get_content_type() == "application/pdf"
    assert parts["attestation.pdf"].get_content() == PDF
    assert parts["constat photo.png"].get_content_type() == "image/png"
    assert parts["constat photo.png"].get_content() == image
    assert sent.get_body(("plain",)).get_content().strip() == "Voici votre attestation."
    stored = list(message.attachments.order_by("name"))
    assert [(a.name, a.mime_type, a.size, a.object_id, a.uploaded_by) for a in stored] == [
        ("attestation.pdf", "application/pdf", len(PDF), ticket.pk, agent),
        ("constat photo.png", "image/png", len(image), ticket.pk, agent)]
    message.refresh_from_db()
    assert message.sent_at is not None and message.send_error == ""


@pytest.mark.parametrize(("upload", "error"), [
    (SimpleUploadedFile("virus.exe", b"MZ\x90\x00binary"), "virus.exe : Type de fichier non autorisé."),
    (SimpleUploadedFile("faux.pdf", b"ceci n'est pas un pdf"), "faux.pdf : Type de fichier non autorisé."),
    (SimpleUploadedFile("vide.pdf", b""), "vide.pdf : Le fichier est vide."),
])
def test_a_refused_file_sends_and_keeps_nothing(agent, ticket, smtp, django_capture_on_commit_callbacks, upload,
                                                error):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as exc:
        services.ticket_reply(actor=agent, ticket=ticket, body="Voici.", files=[pdf(), upload])

    assert list(exc.value.message_dict) == ["files"]
    assert exc.value.message_dict["files"][0].startswith(error)
    assert not TicketMessage.objects.filter(ticket=ticket, kind="reponse").exists()
    assert not Attachment.objects.exists()
    assert smtp.messages == []


def test_a_file_over_the_size_limit_is_refused(agent, ticket, monkeypatch):
    monkeypatch.setattr("assura.core.attachments.ATTACHMENT_MAX_BYTES", 20)
    with pytest.raises(ValidationError) as exc:
        services.ticket_reply(actor=agent, ticket=ticket, body="Voici.", files=[pdf()])
    assert exc.value.message_dict == {"files": ["attestation.pdf : Le fichier dépasse la taille maximale de 0 Mo."]}
    assert not Attachment.objects.exists() and not ticket.messages.filter(kind="reponse").exists()


def test_too_many_files_or_too_much_in_total_is_refused(agent, ticket, monkeypatch):
    with pytest.raises(ValidationError) as exc:
        services.ticket_reply(actor=agent, ticket=ticket, body="Voici.",
                              files=[pdf(f"p{i}.pdf") for i in range(services.REPLY_MAX_FILES + 1)])
    assert exc.value.message_dict == {"files": ["Joignez au plus 10 fichiers."]}
    monkeypatch.setattr(services, "REPLY_MAX_TOTAL_BYTES", len(PDF) + 1)
    with pytest.raises(ValidationError) as exc:
        services.ticket_reply(actor=agent, ticket=ticket, body="Voici.", files=[pdf("a.pdf"), pdf("b.pdf")])
    assert exc.value.message_dict == {"files": ["Les pièces jointes dépassent 0 Mo au total."]}
    assert not Attachment.objects.exists()


# --- Page ----------------------------------------------------------------------------------------------

def test_reply_form_sends_files_and_the_conversation_lists_them(client, agent, ticket, smtp,
                                                                django_capture_on_commit_callbacks,
                                                                django_assert_max_num_queries):
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("service:ticket_reply", args=[ticket.pk]),
                               {"body": "Votre attestation.", "files": [pdf(), pdf("conditions.pdf")]})
    assert response.status_code == 302
    assert {p.get_filename() for p in smtp.wait(1)[0].iter_attachments()} == {"attestation.pdf", "conditions.pdf"}
    with django_assert_max_num_queries(42):
        page = html.unescape(client.get(ticket.get_absolute_url()).content.decode())
    files = page[page.index('data-testid="message-attachments"'):]
    first = Attachment.objects.get(name="attestation.pdf")
    assert f'href="{reverse("attachments:download", args=[first.pk])}"' in files and "conditions.pdf" in files
    assert 'enctype="multipart/form-data"' in page and 'name="files"' in page
    assert client.get(reverse("attachments:download", args=[first.pk])).status_code == 200


def test_a_refused_file_on_the_page_is_a_message_and_nothing_is_kept(client, agent, ticket, smtp,
                                                                     django_capture_on_commit_callbacks):
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("service:ticket_reply", args=[ticket.pk]),
                               {"body": "Voici.", "files": [SimpleUploadedFile("script.js", b"alert(1)")]},
                               follow=True)
    assert "script.js : Type de fichier non autorisé." in html.unescape(response.content.decode())
    assert not ticket.messages.filter(kind="reponse").exists() and not Attachment.objects.exists()
    assert smtp.messages == []


def test_reply_files_are_refused_to_a_role_that_may_not_reply(client, supervisor, ticket):
    client.force_login(supervisor)
    response = client.post(reverse("service:ticket_reply", args=[ticket.pk]), {"body": "x", "files": [pdf()]})
    assert response.status_code == 403
    assert not Attachment.objects.exists() and not ticket.messages.filter(kind="reponse").exists()


def test_another_company_reaches_neither_the_reply_nor_the_file(client, agent, ticket, other_admin):
    message = services.ticket_reply(actor=agent, ticket=ticket, body="Voici.", files=[pdf()])
    client.force_login(other_admin)
    assert client.post(reverse("service:ticket_reply", args=[ticket.pk]),
                       {"body": "x", "files": [pdf()]}).status_code == 404
    assert client.get(reverse("attachments:download", args=[message.attachments.get().pk])).status_code == 404
    assert Attachment.objects.count() == 1


# --- API ---------------------------------------------------------------------------------------------

def test_api_reply_accepts_multipart_files(agent, ticket, smtp, django_capture_on_commit_callbacks):
    client = APIClient()
    client.force_authenticate(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/tickets/{ticket.pk}/replies/",
                               {"body": "Voici.", "files": [pdf(), pdf("annexe.pdf")]}, format="multipart")
    assert response.status_code == 201, response.content
    assert sorted(a["name"] for a in response.json()["attachments"]) == ["annexe.pdf", "attestation.pdf"]
    assert {p.get_filename() for p in smtp.wait(1)[0].iter_attachments()} == {"annexe.pdf", "attestation.pdf"}
    listed = client.get(f"/api/v1/tickets/{ticket.pk}/messages/").json()
    assert [len(m["attachments"]) for m in listed if m["kind"] == "reponse"] == [2]


def test_api_reply_refused_file_is_a_400_on_files(agent, ticket):
    client = APIClient()
    client.force_authenticate(agent)
    response = client.post(f"/api/v1/tickets/{ticket.pk}/replies/",
                           {"body": "Voici.", "files": [SimpleUploadedFile("x.exe", b"MZ")]}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"files": ["x.exe : Type de fichier non autorisé. Formats acceptés : PDF, images "
                                         "(PNG, JPEG, GIF, WebP), Word, Excel, PowerPoint, OpenDocument, texte "
                                         "(TXT, CSV)."]}
    assert not ticket.messages.filter(kind="reponse").exists()


def test_schema_documents_reply_files(admin):
    client = APIClient()
    client.force_authenticate(admin)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    body = schema["paths"]["/api/v1/tickets/{id}/replies/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body
