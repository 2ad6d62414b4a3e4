"""The web app's session and forms through the gateway (issue 15), without a browser:
sign-up through the form (consent never assumed, what was typed kept, the error beside its
field), the session cookie's flags, an expired access token refreshed from the cookie,
logout revoking the refresh token, CSRF refusals and the remembered language."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from services.gateway.web.kit import CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE

PASSWORD = "mat-khau-du-dai-2026"


async def csrf_of(api: httpx.AsyncClient, path: str) -> str:
    """The CSRF token of the form at `path` (the client keeps the CSRF cookie)."""
    page = await api.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the form carries no CSRF token"
    return found.group(1)


async def sign_up(api: httpx.AsyncClient, email: str) -> httpx.Response:
    token = await csrf_of(api, "/signup")
    return await api.post(
        "/signup",
        data={
            "csrf_token": token,
            "full_name": "Đặng Thị Hồng",
            "email": email,
            "password": PASSWORD,
            "consent": "1",
        },
    )


async def test_signup_needs_consent_keeps_what_was_typed_and_signs_in(
    api: httpx.AsyncClient,
) -> None:
    form = await api.get("/signup")
    assert 'lang="vi"' in form.text
    box = re.search(r'<input id="f-consent"[^>]*>', form.text)
    assert box is not None and "checked" not in box.group(0)
    found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert found is not None
    token = found.group(1)

    refused = await api.post(
        "/signup",
        data={
            "csrf_token": token,
            "full_name": "Đặng Thị Hồng",
            "email": "hong@example.vn",
            "password": PASSWORD,
        },
    )
    assert refused.status_code == 422
    assert 'id="e-consent" role="alert"' in refused.text
    assert 'aria-describedby="e-consent"' in refused.text
    assert 'value="Đặng Thị Hồng"' in refused.text
    assert PASSWORD not in refused.text  # a password is never sent back

    created = await api.post(
        "/signup",
        data={
            "csrf_token": token,
            "full_name": "Đặng Thị Hồng",
            "email": "hong@example.vn",
            "password": PASSWORD,
            "consent": "1",
        },
    )
    assert created.status_code == 303 and created.headers["location"] == "/me"
    cookie = next(c for c in created.headers.get_list("set-cookie") if SESSION_COOKIE in c)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # served over plain HTTP here; Secure over HTTPS
    me = await api.get("/me")
    assert me.status_code == 200 and "Trang của tôi" in me.text

    # Signed in, /signup goes to /me; another browser is told the email is taken, there.
    assert (await api.get("/signup")).status_code == 303
    api.cookies.clear()
    taken = await sign_up(api, "hong@example.vn")
    assert taken.status_code == 422
    assert 'id="e-email" role="alert"' in taken.text


async def test_an_expired_access_token_is_refreshed_from_the_cookie(
    api: httpx.AsyncClient,
) -> None:
    tokens = api.app.state.access_tokens  # type: ignore[attr-defined]
    lifetime = tokens.lifetime
    tokens.lifetime = timedelta(seconds=-5)  # every access token issued now has expired
    try:
        assert (await sign_up(api, "refresh@example.vn")).status_code == 303
    finally:
        tokens.lifetime = lifetime
    expired_cookie = api.cookies[SESSION_COOKIE]
    me = await api.get("/me")
    assert me.status_code == 200
    assert SESSION_COOKIE in me.headers.get("set-cookie", "")
    assert api.cookies[SESSION_COOKIE] != expired_cookie

    # Another request of the same page with the old cookie, at once: not a reuse.
    again = await api.get("/me", cookies={SESSION_COOKIE: expired_cookie})
    assert again.status_code == 200


async def test_logout_revokes_the_session_refresh_token(api: httpx.AsyncClient) -> None:
    tokens = api.app.state.access_tokens  # type: ignore[attr-defined]
    lifetime = tokens.lifetime
    tokens.lifetime = timedelta(seconds=-5)
    try:
        assert (await sign_up(api, "logout@example.vn")).status_code == 303
    finally:
        tokens.lifetime = lifetime
    old_cookie = api.cookies[SESSION_COOKIE]
    token = await csrf_of(api, "/me")
    out = await api.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303
    assert SESSION_COOKIE not in api.cookies
    # The old cookie's refresh token no longer works: the reader is sent to sign in.
    replay = await api.get("/me", cookies={SESSION_COOKIE: old_cookie})
    assert replay.status_code == 303
    assert replay.headers["location"].startswith("/login")


async def test_forms_refuse_a_missing_or_foreign_csrf_token(api: httpx.AsyncClient) -> None:
    assert (await sign_up(api, "csrf@example.vn")).status_code == 303
    missing = await api.post("/logout")
    assert missing.status_code == 403
    assert "Biểu mẫu đã hết hạn" in missing.text
    token = await csrf_of(api, "/me")
    foreign = await api.post(
        "/logout", data={"csrf_token": token}, cookies={CSRF_COOKIE: "another-browser-0123456"}
    )
    assert foreign.status_code == 403
    assert (await api.get("/me")).status_code == 200  # still signed in


async def test_the_language_is_remembered_and_next_stays_on_this_site(
    api: httpx.AsyncClient,
) -> None:
    switched = await api.get("/lang", params={"to": "en", "next": "//evil.example/x"})
    assert switched.status_code == 303 and switched.headers["location"] == "/"
    assert api.cookies[LANG_COOKIE] == "en"
    page = await api.get("/login")
    assert 'lang="en"' in page.text and "Sign in" in page.text
    assert page.headers["content-language"] == "en"
