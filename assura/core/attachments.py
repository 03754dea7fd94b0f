"""Files attached to records (contacts, accounts, leads, and any later tenant record).

The type is decided by the file's content (its signature, the parts of an Office or
OpenDocument archive), and must agree with its extension; the size is capped. Files are
stored per company under an unguessable path and served only by a view that checks the
user may see the record (`attachment_get`), never from a public media URL.

Core imports no domain app: a record is any tenant model instance, read back through
`Model.objects.visible_to(user)`.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import models, transaction
from django.http import Http404
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assura.core.audit import audit_record
from assura.core.models import Attachment, AuditAction, TenantModel
from assura.core.permissions import user_can

ATTACHMENT_MAX_BYTES = getattr(settings, "ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)


@dataclass(frozen=True)
class FileKind:
    mime_type: str
    extensions: tuple[str, ...]


KINDS: dict[str, FileKind] = {
    "pdf": FileKind("application/pdf", ("pdf",)),
    "png": FileKind("image/png", ("png",)),
    "jpeg": FileKind("image/jpeg", ("jpg", "jpeg")),
    "gif": FileKind("image/gif", ("gif",)),
    "webp": FileKind("image/webp", ("webp",)),
    "docx": FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
    "xlsx": FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
    "pptx": FileKind("application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",)),
    "doc": FileKind("application/msword", ("doc",)),
    "xls": FileKind("application/vnd.ms-excel", ("xls",)),
    "ppt": FileKind("application/vnd.ms-powerpoint", ("ppt",)),
    "odt": FileKind("application/vnd.oasis.opendocument.text", ("odt",)),
    "ods": FileKind("application/vnd.oasis.opendocument.spreadsheet", ("ods",)),
    "odp": FileKind("application/vnd.oasis.opendocument.presentation", ("odp",)),
    "txt": FileKind("text/plain", ("txt",)),
    "csv": FileKind("text/csv", ("csv",)),
}
ACCEPT = ",".join(f".{ext}" for kind in KINDS.values() for ext in kind.extensions)

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Word / Excel / PowerPoint
_OOXML_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_ODF_MIMES = {KINDS[k].mime_type: k for k in ("odt", "ods", "odp")}


def _type_error() -> ValidationError:
    return ValidationError(
        {"file": [_("Type de fichier non autorisé. Formats acceptés : PDF, images (PNG, JPEG, GIF, WebP), "
                    "Word, Excel, PowerPoint, OpenDocument, texte (TXT, CSV).")]}
    )


def _zip_kind(file) -> str | None:
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                return _ODF_MIMES.get(archive.read("mimetype")[:100].decode("ascii", "ignore").strip())
            if "[Content_Types].xml" in names:
                for prefix, kind in _OOXML_PARTS.items():
                    if any(n.startswith(prefix) for n in names):
                        return kind
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    return None


def _image_ok(file) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(file) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return False
    return True


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "cp1252"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and exc.start >= len(head) - 3:
                return True  # a multi-byte character cut by the sample
            continue
        return True
    return False


def detect_kind(file, extension: str) -> str | None:
    """The kind of file the content shows, given the extension only where the content cannot
    tell (the legacy Office formats share one container; text has no signature)."""
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    kind = None
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        kind = "gif"
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        kind = "webp"
    elif head.startswith(_OLE2):
        kind = extension if extension in ("doc", "xls", "ppt") else None
    elif head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(file)
    elif extension in ("txt", "csv") and _is_text(head):
        kind = extension
    file.seek(0)
    if kind in ("png", "jpeg", "gif", "webp") and not _image_ok(file):
        kind = None
    file.seek(0)
    return kind


def validate_attachment(file) -> tuple[str, str]:
    """(kind, mime type) of an acceptable file; ValidationError {"file": [...]} otherwise."""
    if file is None:
        raise ValidationError({"file": [_("Choisissez un fichier.")]})
    if not file.size:
        raise ValidationError({"file": [_("Le fichier est vide.")]})
    if file.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": [
            _("Le fichier dépasse la taille maximale de %(max)s Mo.") % {"max": ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        ]})
    name = (file.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not any(extension in kind.extensions for kind in KINDS.values()):
        raise _type_error()
    kind = detect_kind(file, extension)
    if kind is None:
        raise _type_error()
    if extension not in KINDS[kind].extensions:
        raise ValidationError({"file": [
            _("Le contenu du fichier ne correspond pas à son extension « .%(ext)s ».") % {"ext": extension}
        ]})
    return kind, KINDS[kind].mime_type


def _storage_name(original: str, kind: str) -> str:
    stem = original.rsplit(".", 1)[0]
    extension = original.rsplit(".", 1)[-1].lower()
    return f"{slugify(stem)[:30] or 'fichier'}.{extension if extension in KINDS[kind].extensions else kind}"


# --- Records ---------------------------------------------------------------------------------------------

def is_attachable(model) -> bool:
    """Attachments go on tenant records that have a page (contacts, accounts, leads…)."""
    return isinstance(model, type) and issubclass(model, TenantModel) and hasattr(model, "get_absolute_url") \
        and model is not Attachment


def record_reference(record) -> str:
    """"customers.contact:12": how a form names the record it attaches to."""
    return f"{record._meta.label_lower}:{record.pk}"


def record_visible(user, record) -> bool:
    return type(record)._default_manager.visible_to(user).filter(pk=record.pk).exists()


def record_get(*, user, reference: str | None = None, content_type: ContentType | None = None,
               object_id: int | None = None) -> models.Model:
    """The record named by "app.model:pk" (or a content type and id), if this user may see
    it; Http404 otherwise — the same answer for missing, foreign and hidden records."""
    try:
        if reference is not None:
            label, pk = reference.rsplit(":", 1)
            app_label, model_name = label.split(".", 1)
            content_type = ContentType.objects.get_by_natural_key(app_label, model_name)
            object_id = int(pk)
        model = content_type.model_class() if content_type else None
    except (ValueError, AttributeError, ContentType.DoesNotExist):
        raise Http404 from None
    if model is None or not is_attachable(model):
        raise Http404
    try:
        return model._default_manager.visible_to(user).get(pk=object_id)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- Services ---------------------------------------------------------------------------------------------

@transaction.atomic
def attachment_add(*, actor, record, file, request=None) -> Attachment:
    """Attach `file` to `record` (action "files.attach"; the record must be visible to the actor)."""
    if not user_can(actor, "files.attach"):
        raise PermissionDenied
    if not is_attachable(type(record)) or record.organization_id != actor.organization_id \
            or not record_visible(actor, record):
        raise Http404
    kind, mime_type = validate_attachment(file)
    original = (file.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    attachment = Attachment(
        organization_id=actor.organization_id, content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk, name=" ".join(original.split())[:200] or _storage_name(original, kind),
        size=file.size, mime_type=mime_type, uploaded_by=actor,
    )
    attachment.full_clean(exclude=["file"])
    file.seek(0)
    attachment.file.save(_storage_name(original, kind), File(file), save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)  # no row, no file
        raise
    return attachment


def attachment_can_delete(user, attachment: Attachment) -> bool:
    return attachment.uploaded_by_id == user.pk or user_can(user, "records.delete")


@transaction.atomic
def attachment_delete(*, actor, attachment: Attachment, request=None) -> None:
    """The uploader, or an administrator ("records.delete"), removes a file."""
    if attachment.organization_id != actor.organization_id:
        raise Http404
    if not attachment_can_delete(actor, attachment):
        raise PermissionDenied
    storage, name = attachment.file.storage, attachment.file.name
    audit_record(action=AuditAction.DELETION, actor=actor, target=attachment, request=request,
                 data={"attachment": attachment.name,
                       "record": f"{attachment.content_type.app_label}.{attachment.content_type.model}:"
                                 f"{attachment.object_id}"})
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


def attachments_delete_for(model, ids) -> int:
    """The files of records being deleted (`model`, `ids`), rows now and stored files once the
    transaction commits: a deleted customer leaves no orphan document behind."""
    doomed = Attachment.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id__in=list(ids))
    files = [(a.file.storage, a.file.name) for a in doomed.only("file") if a.file.name]
    count, _detail = doomed.delete()

    def remove():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove)
    return count


# --- Selectors ---------------------------------------------------------------------------------------------

def attachments_for(user, record):
    """The files of one record, newest first (the record is the page's, already checked visible)."""
    if record is None or getattr(record, "organization_id", None) != getattr(user, "organization_id", None):
        return Attachment.objects.none()
    return (Attachment.objects.visible_to(user)
            .filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)
            .select_related("uploaded_by"))


def attachment_get(*, user, pk) -> Attachment:
    """An attachment the user may see: of their company, on a record they may see (Http404 otherwise)."""
    attachment = Attachment.objects.visible_to(user).select_related("content_type").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    record_get(user=user, content_type=attachment.content_type, object_id=attachment.object_id)
    return attachment
