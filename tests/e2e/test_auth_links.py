"""The log-in ↔ sign-up links keep where the user was going, however fast they click."""

from __future__ import annotations

import re

from playwright.sync_api import Page, WebSocketRoute, expect


def test_switching_to_sign_up_before_the_page_is_live_keeps_next(anonymous_page: Page) -> None:
    page = anonymous_page
    held: list[WebSocketRoute] = []
    # Hold the page's event socket so the click lands before the page has read its URL.
    page.route_web_socket(re.compile(r"/_event"), lambda ws: held.append(ws))
    page.goto("/login?next=/settings/members")
    expect(page.get_by_test_id("login-submit")).to_be_disabled()  # not live yet
    page.get_by_test_id("to-signup").click()
    expect(page).to_have_url(re.compile(r"/login/?\?next=/settings/members$"))  # queued
    assert held, "the page never opened its event socket"
    held[0].connect_to_server()
    expect(page).to_have_url(re.compile(r"/signup/?\?next=/settings/members$"))
    page.get_by_test_id("to-login").click()
    expect(page).to_have_url(re.compile(r"/login/?\?next=/settings/members$"))
