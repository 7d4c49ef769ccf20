"""/docs and /redoc in a real browser that can reach nothing but the server: both show the operations.
Their HTML and assets are checked in-process."""

from __future__ import annotations

from tests.api.conftest import App, Server, app_fixture, call

app = app_fixture()


def test_docs_pages_load_their_assets_from_the_server(app: App) -> None:
    for page in ("/docs", "/redoc"):
        html = call(app.url + page).body.decode()
        assert "/docs-assets/" in html and "cdn" not in html.lower() and "fonts.googleapis" not in html
    assert call(app.url + "/docs-assets/swagger-ui-bundle.js").status == 200


def test_docs_pages_show_the_operations_offline(browser: object, live: Server) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(browser, WebDriver)
    wait = WebDriverWait(browser, 20)
    browser.get(live.url + "/docs")
    operation = (By.CSS_SELECTOR, '.opblock-summary-path[data-path="/v1/translate"]')
    assert wait.until(expected_conditions.visibility_of_element_located(operation)).text.startswith("/v1/translate")
    browser.get(live.url + "/redoc")
    summary = (By.XPATH, "//*[normalize-space(text())='Translate texts']")
    assert wait.until(expected_conditions.presence_of_element_located(summary))
    # every script, style and fetch came from the server (ReDoc's own badge image alone is remote, and blank)
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').filter(e => e.initiatorType !== 'img').map(e => e.name)"
    )
    assert resources and all(url.startswith(live.url) for url in resources), resources
