"""The office's dashboard in a real browser: Debian's chromium driven by Playwright, over real Kafka
and PostgreSQL with seeded events.

The page loads under its CSP with no console error, shows the seeded figures, drills from the city
to a district, on to a weekly report and to a street office, switches to English, and a district's token shows that
district only. Screenshots are kept in the test's temporary directory (printed with -s).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.test_reporting_exports import CITY, JINSHUI_STREETS, PROGRAMME, WEEK_OF, seed_city
from tests.support import tokens

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
    pytest.skip("Debian's chromium is not installed (scripts/bootstrap installs it)", allow_module_level=True)

from playwright.async_api import Page, async_playwright, expect  # noqa: E402

pytestmark = pytest.mark.timeout(300)


def _bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def _log_in(page: Page, url: str, token: str) -> None:
    await page.goto(f"{url}/dashboard")
    await expect(page.locator("#login")).to_be_visible()
    await page.fill("#token", token)
    await page.click("#login-button")
    await expect(page.locator("#main")).to_be_visible()


def _watch_console(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return errors


async def test_the_dashboard_shows_the_seeded_city_drills_down_and_keeps_districts_apart(
    platform, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    seeded = await seed_city(platform)
    jinshui = platform.client("reporting", tokens.district("zz-jinshui"))
    filed = await jinshui.post(
        "/weekly-reports",
        json={
            "programme_code": PROGRAMME,
            "week_of": WEEK_OF.isoformat(),
            "projects_started": 1,
            "projects_completed": 0,
            "projects_accepted": 2,
            "investment_completed_fen": 160_000_000,
            "narrative": "金水区文化路街道两个小区通过验收。",
        },
    )
    assert filed.status_code == 201, filed.text
    url = platform.servers["reporting"].url
    total = sum(registered for registered, _, _ in CITY.values())

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            office = await browser.new_page(viewport={"width": 1400, "height": 1800}, locale="zh-CN")
            errors = _watch_console(office)
            response = await office.goto(f"{url}/dashboard/")
            assert response is not None and response.status == 200
            assert "script-src 'self'" in response.headers["content-security-policy"]
            await _log_in(office, url, _bearer(tokens.office()))

            # the seeded figures, per district and in total, in Chinese
            rows = office.locator("#districts tr[data-district]")
            await expect(rows).to_have_count(len(CITY))
            for code, (_, _, accepted) in CITY.items():
                cell = office.locator(f'#districts tr[data-district="{code}"] td[data-figure="accepted"]')
                await expect(cell).to_have_text(str(accepted))
            await expect(office.locator("#kpi-task .value")).to_have_text(str(total))
            await expect(office.locator("#districts")).to_contain_text("金水区")
            await expect(office.locator("#watch")).to_contain_text("2026-W47")
            await expect(office.locator("#watch")).to_contain_text("二七区")  # lagging in the bulletin
            await expect(office.locator("#chart-progress canvas")).to_have_count(1)
            await expect(office.locator("#chart-funnel canvas")).to_have_count(1)
            await office.wait_for_timeout(800)  # let the charts' entry animation finish
            await office.screenshot(path=str(tmp_path / "dashboard-city.png"), full_page=True)

            # drill-down: city -> Jinshui -> its weekly report
            await office.click('#districts tr[data-district="zz-jinshui"]')
            await expect(office).to_have_url(f"{url}/dashboard/#/district/zz-jinshui")
            await expect(office.locator('#crumbs [data-crumb="district"]')).to_have_text("金水区")
            await expect(rows).to_have_count(1)
            await expect(office.locator("#kpi-task .value")).to_have_text(str(CITY["zz-jinshui"][0]))
            report = office.locator(f'#reports tr[data-report="{filed.json()["id"]}"]')
            await expect(report).to_be_visible()
            await report.click()
            await expect(office.locator("#report [data-narrative]")).to_have_text(
                "金水区文化路街道两个小区通过验收。"
            )
            await office.screenshot(path=str(tmp_path / "dashboard-district.png"), full_page=True)
            # on to a street office (街道): Jinshui's projects alternate between two
            streets = office.locator("#streets tr[data-street]")
            await expect(streets).to_have_count(len(JINSHUI_STREETS))
            await office.click(f'#streets tr[data-street="{JINSHUI_STREETS[0]}"]')
            await expect(office.locator('#crumbs [data-crumb="street"]')).to_have_text(JINSHUI_STREETS[0])
            await expect(streets).to_have_count(1)
            accepted_there = len([n for n in range(CITY["zz-jinshui"][2]) if n % 2 == 0])
            await expect(office.locator('#streets td[data-figure="accepted"]')).to_have_text(
                str(accepted_there)
            )
            # and on to its projects, with the day each reached its steps
            registered_there = len([n for n in range(CITY["zz-jinshui"][0]) if n % 2 == 0])
            await expect(office.locator("#street-projects tr[data-project]")).to_have_count(registered_there)
            await expect(office.locator("#street-projects")).to_contain_text("zz-jinshui-0号院")
            await office.screenshot(path=str(tmp_path / "dashboard-street.png"), full_page=True)
            await office.click('#crumbs [data-crumb="city"]')
            await expect(rows).to_have_count(len(CITY))

            # English on the toggle
            await office.click("#lang")
            await expect(office.locator("#districts")).to_contain_text("Jinshui District")
            await expect(office.locator("h1")).to_have_text("Renovation supervision dashboard")
            assert errors == [], errors

            # a district's token: its own district only, never another's
            erqi = await browser.new_page(viewport={"width": 1400, "height": 1200})
            erqi_errors = _watch_console(erqi)
            await _log_in(erqi, url, _bearer(tokens.district("zz-erqi")))
            await expect(erqi).to_have_url(f"{url}/dashboard/#/district/zz-erqi")
            await expect(erqi.locator("#districts tr[data-district]")).to_have_count(1)
            await expect(erqi.locator('#districts tr[data-district="zz-erqi"]')).to_be_visible()
            await expect(erqi.locator("#kpi-task .value")).to_have_text(str(CITY["zz-erqi"][0]))
            body = await erqi.locator("body").inner_text()
            assert "金水区" not in body and "中原区" not in body
            await erqi.click('#crumbs [data-crumb="city"]')  # the city view of a district is itself
            await erqi.goto(f"{url}/dashboard/#/district/zz-jinshui")
            await expect(erqi.locator("#error")).to_have_text("无权查看该区县，或该区县暂无数据。")
            await expect(erqi.locator("#districts tr[data-district]")).to_have_count(0)
            assert "金水区" not in await erqi.locator("#districts").inner_text()
            # the only failures: the API's 404 for the district it may not see
            assert all("zz-jinshui" in e or "Failed to load resource" in e for e in erqi_errors), erqi_errors
            await erqi.screenshot(path=str(tmp_path / "dashboard-erqi.png"), full_page=True)

            # a token the API refuses sends the user back to the login form
            stranger = await browser.new_page()
            await stranger.goto(f"{url}/dashboard/")
            await stranger.fill("#token", "not-a-token")
            await stranger.click("#login-button")
            await expect(stranger.locator("#login-error")).not_to_be_empty()
        finally:
            await browser.close()
    print(f"\ndashboard screenshots: {tmp_path}")
    assert seeded.bulletin_id
