"""Headless Chromium for the report's tests, as a pytest plugin (``pytest_plugins``).

Debian's ``chromium`` and ``chromium-driver`` are installed with apt on first use when
missing (CI runs as root on Debian); elsewhere the browser tests skip and say why.
Selenium talks to ``/usr/bin/chromedriver`` directly, so Selenium Manager never goes
to the network.

``python -m tests.support.browser SITE_INDEX OUT_DIR`` saves screenshots of a built report.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


def install_chromium() -> str | None:
    """Install the browser and its driver if missing; the reason it can't, or None."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return None
    if shutil.which("apt-get") is None:
        return "chromium is missing and this system has no apt-get to install it"
    if os.geteuid() != 0:
        return "chromium is missing; installing it with apt-get needs root"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)
        if done.returncode != 0:
            return f"`{' '.join(command)}` failed: {done.stderr.strip()[-500:]}"
    return None


def start_chromium(profile: Path):
    """A headless Chromium with a fresh profile that records console messages."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


class Browser:
    """A Chromium session and the checks the report's tests make with it."""

    def __init__(self, driver):
        self.driver = driver

    def open(self, index: Path) -> None:
        """Load a local page after discarding earlier console messages."""
        self.driver.get_log("browser")
        self.driver.get(index.resolve().as_uri())

    def console_errors(self) -> list[str]:
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def broken_links(self, index: Path) -> list[str]:
        """Images that did not load, and links, styles and scripts that point nowhere.

        Images are scrolled into view (galleries load lazily) and must decode; relative
        hrefs must name an existing file next to ``index`` (a page cannot fetch file://
        URLs from script); fragments must name an element; nothing may leave the site.
        """
        driver = self.driver
        problems = []
        for image in driver.find_elements("css selector", "img"):
            driver.execute_script("arguments[0].scrollIntoView();", image)
            ok = driver.execute_async_script(
                "const [img, done] = arguments; img.decode()"
                ".then(() => done(img.naturalWidth > 0), () => done(false));",
                image,
            )
            if not ok:
                problems.append(f"image {image.get_attribute('src')}")
        refs = driver.execute_script(
            "return Array.from(document.querySelectorAll('a[href], link[href], script[src]'))"
            ".map(e => e.getAttribute('href') || e.getAttribute('src'));"
        )
        for ref in refs:
            if ref.startswith("#"):
                if not driver.execute_script(
                    "return !!document.getElementById(arguments[0])", ref[1:]
                ):
                    problems.append(f"anchor {ref}")
            elif ":" in ref.split("/", 1)[0] or ref.startswith("/"):
                problems.append(f"leaves the site: {ref}")
            elif not (index.parent / ref).is_file():
                problems.append(f"missing file {ref}")
        return problems


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    pytest.importorskip("selenium", reason="selenium is a dev dependency")
    reason = install_chromium()
    if reason is not None:
        pytest.skip(reason)
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield Browser(driver)
    finally:
        driver.quit()


def screenshots(index: Path, out: Path) -> list[Path]:
    """The top of the page and each section, 1400 px wide, as PNG files."""
    from selenium.webdriver.common.by import By

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        driver = start_chromium(Path(profile))
        try:
            Browser(driver).open(index)
            saved = [out / "leaderboard.png"]
            driver.save_screenshot(str(saved[0]))
            for name, prefix in (
                ("comparison", "comparison-"),
                ("samples", "samples-"),
                ("history", "history-"),
                ("provenance", "provenance-"),
            ):
                found = driver.find_elements(By.CSS_SELECTOR, f"[id^='{prefix}']")
                if found:
                    driver.execute_script("arguments[0].scrollIntoView();", found[0])
                    saved.append(out / f"{name}.png")
                    driver.save_screenshot(str(saved[-1]))
            return saved
        finally:
            driver.quit()


if __name__ == "__main__":
    for path in screenshots(Path(sys.argv[1]), Path(sys.argv[2])):
        print(path)
