"""A new person signs up, confirms the email, signs in, enrols TOTP and reads the inbox."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from tests.support import totp_code

PASSWORD = "maple-syrup-and-customs-2026"


@pytest.mark.django_db(transaction=True)
def test_sign_up_to_inbox_in_both_languages(live_server, browser, page, screenshot, settings):
    settings.CARM_REQUIRE_MFA = True
    base = live_server.url

    page.goto(f"{base}/en/accounts/signup/")
    page.get_by_label("Email").fill("jordan@maple.example")
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    screenshot(page, "sign-up")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    screenshot(page, "check-your-email")

    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    # The link is opened from the mail program: another browser session.
    mail_context = browser.new_context(locale="en-CA")
    mail_page = mail_context.new_page()
    mail_page.goto(link)
    mail_page.get_by_role("button", name="Confirm").click()
    mail_page.wait_for_url("**/accounts/login/")
    screenshot(mail_page, "email-confirmed")
    mail_context.close()
    assert User.objects.get(email="jordan@maple.example").emailaddress_set.get().verified

    page.goto(f"{base}/en/accounts/login/")
    page.get_by_label("Email").fill("jordan@maple.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    # Multi-factor authentication is required: enrolment comes first, after the password
    # is confirmed once more.
    page.wait_for_url("**/accounts/reauthenticate/**")
    screenshot(page, "confirm-password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    screenshot(page, "enrol-totp")
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(re.compile(r".*/2fa/.*"))
    screenshot(page, "totp-enrolled")

    page.goto(f"{base}/en/notifications/")
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(page.get_by_text("Welcome to the CARM Portal.")).to_be_visible()
    assert page.locator(".carm-bell-count").first.inner_text().startswith("1")
    screenshot(page, "inbox")

    page.get_by_role("link", name="Français").click()
    page.wait_for_url("**/fr/notifications/")
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(page.get_by_text("Bienvenue au Portail de la GCRA.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Marquer comme lu")).first).to_be_visible()
    screenshot(page, "inbox-french")

    page.get_by_role("button", name=re.compile("Marquer comme lu")).first.click()
    page.locator(".carm-read").first.wait_for()
    expect(page.locator(".carm-bell-count")).to_have_count(0)
    screenshot(page, "inbox-french-read")
