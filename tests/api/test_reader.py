"""The side-by-side reader page: served HTML (escaping, alignment, anchors, flags) in-process, and a real
browser against a real server."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from markupsafe import escape

from tests.api.conftest import App, Server, app_fixture, call

server = app_fixture()
INJECTION = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def test_get_with_text_renders_aligned_pairs_and_escapes(server: App, pairs: list[dict[str, str]]) -> None:
    text = pairs[0]["source"] + pairs[1]["source"] + "\n\n" + pairs[2]["source"] + " " + INJECTION
    r = call(server.url + "/?" + urllib.parse.urlencode({"text": text}))
    assert r.status == 200
    page = r.body.decode()
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert str(escape(INJECTION)) in page  # shown as text
    for i, sid in enumerate(["p0s0", "p0s1"]):
        assert f'id="{sid}" data-pair="{sid}" tabindex="0">{escape(pairs[i]["target"])}' in page
        assert f'id="src-{sid}" data-pair="{sid}"' in page
        assert f'href="#{sid}"' in page


def test_flagged_sentences_show_the_meaning(server: App) -> None:
    long_sentence = " ".join(["kata"] * 700)
    form = f"text={long_sentence}"
    page = call(server.url + "/", form, content_type="application/x-www-form-urlencoded").body.decode()
    assert 'class="s flagged"' in page
    assert "⚑</span> cut" in page and "translated without the rest of its clause" in page


def test_upload_and_bad_upload(server: App, pairs: list[dict[str, str]]) -> None:
    boundary = "XyZ"

    def multipart(data: bytes) -> bytes:
        return (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="berita.txt"\r\n'
                "Content-Type: text/plain\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )

    content_type = f"multipart/form-data; boundary={boundary}"
    ok = call(server.url + "/", multipart(pairs[3]["source"].encode()), content_type=content_type)
    assert ok.status == 200 and str(escape(pairs[3]["target"])) in ok.body.decode()
    bad = call(server.url + "/", multipart(b"\xff\xfe\x00"), content_type=content_type)
    assert bad.status == 400 and "is not UTF-8 text" in bad.body.decode()


def test_reader_in_a_real_browser(browser: object, live: Server, pairs: list[dict[str, str]], tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(browser, WebDriver)
    browser.get(live.url + "/")
    text = pairs[0]["source"] + pairs[1]["source"] + "\n\n" + pairs[2]["source"] + " " + INJECTION
    browser.find_element(By.ID, "text").send_keys(text)
    browser.find_element(By.ID, "submit").click()
    wait = WebDriverWait(browser, 20)
    target = wait.until(expected_conditions.presence_of_element_located((By.ID, "p0s1")))
    assert target.text == pairs[1]["target"]

    source = browser.find_element(By.ID, "src-p0s1")
    ActionChains(browser).move_to_element(source).perform()
    wait.until(lambda b: "hl" in b.find_element(By.ID, "p0s1").get_attribute("class"))
    assert "hl" in source.get_attribute("class")
    assert "hl" not in browser.find_element(By.ID, "p0s0").get_attribute("class")

    # keyboard: focusing a target sentence highlights its source
    browser.execute_script("document.getElementById('p1s0').focus()")
    wait.until(lambda b: "hl" in b.find_element(By.ID, "src-p1s0").get_attribute("class"))

    browser.find_element(By.ID, "copy-en").click()
    wait.until(lambda b: b.find_element(By.ID, "copy-status").text in ("English copied", "copy failed"))
    assert browser.find_element(By.ID, "copy-status").text == "English copied"

    assert browser.execute_script("return window.__pwned === undefined") is True
    assert INJECTION in browser.find_element(By.ID, "src-p1s1").text + browser.find_element(By.ID, "src-p1s0").text
    shot = tmp_path / "reader.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 1000
