"""manage.py wilayas_load <file.csv> [--deactivate-missing]: load the official list of wilayas
(code;nom;nom_ar) — for the platform's operator when the list changes. All or nothing."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assura.core.wilayas import wilayas_load


class Command(BaseCommand):
    help = "Charge la liste officielle des wilayas (CSV : code;nom;nom_ar)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--deactivate-missing", action="store_true",
                            help="Désactive les wilayas absentes du fichier (elles ne sont jamais supprimées).")

    def handle(self, *args, path, deactivate_missing, **options):
        try:
            with open(path, encoding="utf-8-sig") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        try:
            counts = wilayas_load(text=text, deactivate_missing=deactivate_missing)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
