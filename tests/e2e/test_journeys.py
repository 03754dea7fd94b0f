"""The main journeys of the platform, in a real browser."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.identity.models import Organization, User
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def png_bytes(color=(13, 110, 253)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), color).save(buffer, format="PNG")
    return buffer.getvalue()


def test_signup_verification_technical_sheet_workspace(page, smtp_server):
    # Given the public landing page
    page.goto("/")
    assert "Gérez mieux votre relation client" in page.content()
    page.click("[data-testid=signup]")

    # When a new administrator signs up
    page.fill("input[name=last_name]", "Haddad")
    page.fill("input[name=first_name]", "Nadia")
    page.fill("input[name=address]", "5 boulevard Zighout Youcef, Alger")
    page.fill("input[name=phone]", "0550 12 34 56")
    page.fill("input[name=job_title]", "Responsable GRC")
    page.fill("input[name=email]", "nadia.haddad@sahel.test")
    page.fill("input[name=password1]", "Sahel-Assur-2026!")
    page.fill("input[name=password2]", "Sahel-Assur-2026!")
    page.check("input[name=accept_terms]")
    page.locator("form button[type=submit]").first.click()

    # Then a verification e-mail with a signed link reaches the real SMTP server
    message = smtp_server.wait_for("nadia.haddad@sahel.test")
    link = smtp_server.link(message, "/accounts/confirm-email/")
    page.goto(link)
    page.locator("form button[type=submit]").first.click()

    # And after confirming, the technical sheet is asked before anything else
    page.wait_for_url(re.compile(r"/onboarding/company/$"))
    page.fill("input[name=name]", "Sahel Assurances")
    page.fill("input[name=address]", "12 rue Larbi Ben M'hidi, Alger")
    page.fill("input[name=mobile]", "+213 661 23 45 67")
    page.fill("input[name=employees_count]", "120")
    page.fill("input[name=email]", "contact@sahel.test")
    page.fill("input[name=trade_register_number]", "16/00-0098765B21")
    page.fill("input[name=website]", "https://www.sahel.test")
    page.fill("input[name=postal_code]", "16000")
    page.set_input_files("input[name=logo]", files=[{"name": "logo.png", "mimeType": "image/png",
                                                     "buffer": png_bytes()}])
    page.click("[data-testid=submit]")

    # Then the workspace shows the company's name and logo, on the administrator's home
    page.wait_for_url(re.compile(r"/home/$"))
    assert page.inner_text("[data-testid=workspace-name]") == "Sahel Assurances"
    logo = page.locator("[data-testid=workspace-logo]")
    assert "/media/logos/" in logo.get_attribute("src")
    assert page.evaluate("document.querySelector('[data-testid=workspace-logo]').naturalWidth") == 64
    assert page.is_visible("[data-testid=nav-users]")
    org = Organization.objects.get(name="Sahel Assurances")
    user = User.objects.get(email="nadia.haddad@sahel.test")
    assert (user.organization_id, user.role, user.phone) == (org.pk, Role.ADMIN, "+213550123456")
    assert page.console_errors == []


def test_admin_invites_user_who_accepts_and_sees_the_user_menu(new_page, smtp_server):
    # Given a company with an administrator and an agency
    org = f.OrganizationFactory(name="Alliance E2E")
    agency = f.AgencyFactory(organization=org, number="016-003", name="Alger Centre")
    f.UserFactory(organization=org, agency=agency, role=Role.ADMIN, email="chef@alliance.test",
                  password="Assura-test-2026")
    admin_page = new_page()
    sign_in(admin_page, "chef@alliance.test", "Assura-test-2026")

    # When the administrator invites a person by agency number + e-mail
    admin_page.click("[data-testid=nav-users]")
    admin_page.click("[data-testid=create]")
    admin_page.fill("input[name=email]", "karim.boudiaf@alliance.test")
    admin_page.fill("input[name=agency_number]", "016-003")
    admin_page.select_option("select[name=role]", Role.USER.value)
    admin_page.click("[data-testid=submit]")
    admin_page.wait_for_url(re.compile(r"/users/$"))
    assert "karim.boudiaf@alliance.test" in admin_page.inner_text("#data-table")
    assert admin_page.locator("#data-table [data-status=invited]").count() == 1

    # Then the invitee gets the link, sets a name and password, and is signed in
    message = smtp_server.wait_for("karim.boudiaf@alliance.test")
    link = smtp_server.link(message, "/invitation/")
    invitee = new_page()
    invitee.goto(link)
    invitee.fill("input[name=first_name]", "Karim")
    invitee.fill("input[name=last_name]", "Boudiaf")
    invitee.fill("input[name=password]", "Karim-Boudiaf-2026")
    invitee.fill("input[name=password_confirm]", "Karim-Boudiaf-2026")
    invitee.click("[data-testid=submit]")
    invitee.wait_for_url(re.compile(r"/home/$"))

    # And sees the Utilisateur menu: no administration entries
    assert "Bienvenue, Karim" in invitee.inner_text("[data-testid=home-title]")
    assert invitee.is_visible("[data-testid=nav-home]")
    assert invitee.locator("[data-testid=nav-users]").count() == 0
    assert invitee.locator("[data-testid=nav-audit]").count() == 0
    assert "Utilisateur" in invitee.inner_text("[data-testid=role-badge]")

    # And the link cannot be used twice
    again = new_page()
    again.goto(link)
    assert "déjà été utilisée" in again.inner_text("[data-testid=invitation-error]")


def test_language_switch_to_arabic_renders_right_to_left(page):
    org = f.OrganizationFactory(name="Alliance AR")
    f.UserFactory(organization=org, role=Role.ADMIN, email="ar@alliance.test", password="Assura-test-2026")
    sign_in(page, "ar@alliance.test", "Assura-test-2026")
    assert page.get_attribute("html", "dir") == "ltr"
    assert page.inner_text("[data-testid=nav-home]").strip() == "Accueil"

    page.select_option("[data-testid=language-switch]", "ar")
    page.wait_for_function("document.documentElement.lang === 'ar'")

    assert page.get_attribute("html", "dir") == "rtl"
    assert page.inner_text("[data-testid=nav-home]").strip() == "الرئيسية"
    # The sidebar sits on the right in RTL.
    box = page.locator("#sidebar").bounding_box()
    assert box["x"] > 600
    assert page.locator("link[href*='bootstrap.rtl.min.css']").count() == 1
