"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium, installed by
`make test`) against Django's live server, with a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import re
import socket
import time
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


class Mailbox:
    """Collects what the local SMTP server receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        msg = message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append({"to": envelope.rcpt_tos, "subject": str(msg["subject"]),
                              "body": msg.get_body(preferencelist=("plain",)).get_content()})
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, timeout: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if to in message["to"]:
                    return message
            time.sleep(0.1)
        raise AssertionError(f"No e-mail to {to} within {timeout}s (got {[m['to'] for m in self.messages]})")

    @staticmethod
    def link(message: dict, pattern: str) -> str:
        match = re.search(rf"https?://\S*{pattern}\S*", message["body"])
        assert match, f"No link matching {pattern!r} in:\n{message['body']}"
        return match.group(0)


@pytest.fixture
def smtp_server(settings):
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    yield mailbox
    controller.stop()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/home/$"))
