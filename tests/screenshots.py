"""Screenshots of the reader's three views and of an archive page and its index, at 1280 and 390 px, on the
tiny test model: `python -m tests.screenshots docs/screenshots before` writes before-*.png there (viewport
only). The issue's closing note shows them side by side with an earlier run's."""

from __future__ import annotations

import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

from tests.api.conftest import Hosted, chromium, settings_of
from tests.conftest import load_pairs
from translator import Translator, cli

VIEWS = ("side", "interleaved", "english")
WIDTHS = (1280, 390)


def article() -> str:
    """A Markdown article the tiny model knows: a heading, paragraphs, a list, and a flagged sentence."""
    pairs = load_pairs()
    return (
        f"# {pairs[2]['source']}\n\n"
        + " ".join(p["source"] for p in pairs[16:19])
        + "\n\n"
        + "\n".join(f"- {p['source']}" for p in pairs[5:8])
        + "\n\n"
        + pairs[22]["source"]
        + " The minister said the meeting would continue tomorrow morning."
    )


def archive(folder: Path, model: str) -> Path:
    """An archive job of three documents with its html/ export; the html folder."""
    pairs = load_pairs()
    inputs = folder / "news"
    inputs.mkdir()
    (inputs / "berita-satu.md").write_text(article(), encoding="utf-8")
    for i in (1, 2):
        text = " ".join(p["source"] for p in pairs[i * 5 : i * 5 + 4])
        (inputs / f"berita-{i + 1}.txt").write_text(text, encoding="utf-8")
    code = cli.main(["batch", str(inputs), "--out", str(folder / "run"), "--export", "html", "--model", model])
    assert code == 0, code
    return folder / "run" / "html"


def browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as DriverService

    found = chromium()
    assert found, "Debian's chromium and chromium-driver are needed"
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(flag)
    return webdriver.Chrome(service=DriverService(executable_path=found[1]), options=options)


def size(driver: Any, width: int) -> None:
    if width < 700:
        metrics = {"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": True}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    else:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(width, 900)


def shoot(driver: Any, url: str, path: Path) -> None:
    driver.get(url)
    driver.execute_script("try { localStorage.clear() } catch (e) {}")
    driver.get(url)
    assert driver.save_screenshot(str(path)), path
    sys.stdout.write(f"{path}\n")


def main(out: Path, prefix: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    model = str(Path(__file__).resolve().parent / "fixtures" / "tiny-id-en")
    with tempfile.TemporaryDirectory() as home:
        translator = Translator.from_config(settings_of(TRANSLATOR_DATA_DIR=home + "/data").translator_config())
        hosted = Hosted(translator, TRANSLATOR_DATA_DIR=home + "/data")
        html = archive(Path(home), model)
        driver = browser()
        try:
            query = urllib.parse.urlencode({"text": article()})
            for width in WIDTHS:
                size(driver, width)
                for view in VIEWS:
                    shoot(driver, f"{hosted.url}/?{query}&view={view}", out / f"{prefix}-reader-{view}-{width}.png")
                pages = sorted(p.name for p in html.glob("*.html") if p.name != "index.html")
                shoot(driver, (html / "index.html").as_uri(), out / f"{prefix}-archive-index-{width}.png")
                shoot(driver, (html / pages[0]).as_uri(), out / f"{prefix}-archive-page-{width}.png")
        finally:
            driver.quit()
            hosted.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
