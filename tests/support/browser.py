"""Checks run in the session's headless Chromium (the `browser` fixture)."""

from __future__ import annotations

from typing import Any


def swagger_ui_runs_under_its_policy(browser: Any, base: str, docs_path: str, operation: str) -> None:
    """Open the docs page: Swagger UI lists the operation, the page's CSP blocks nothing, and the
    page asks nothing of another server."""
    page = browser.new_page()
    try:
        page.add_init_script(
            "window.blocked = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.blocked.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        outside: list[str] = []
        page.on("request", lambda r: r.url.startswith(base) or outside.append(r.url))
        page.goto(base + docs_path)
        page.wait_for_selector(".opblock-summary-path", timeout=20_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any(operation in path for path in paths), paths
        assert page.evaluate("window.blocked") == [] and outside == []
    finally:
        page.close()
