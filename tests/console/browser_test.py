"""The console in a real browser (headless Chromium through Selenium) against a real batond:
sign-in, the campaign list with its filter and search, a live run whose counts change on the
canvas without a reload, a node's details, the time-travel slider, the report's funnel, the
event log, and a viewer's refused action. Saves a screenshot of each step.
Usage: browser_test.py BUILD_DIR [SCREENSHOT_DIR]"""
import json
import os
import sys
import time
import unittest

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from batond_fixture import SRC, Batond  # noqa: E402

B = None
SHOTS = None


def browser():
    o = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1440,960", "--no-first-run", "--disable-extensions"):
        o.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = browser()
        cls.wait = WebDriverWait(cls.d, 30, ignored_exceptions=[StaleElementReferenceException])

    @classmethod
    def tearDownClass(cls):
        cls.d.quit()

    def shot(self, name):
        self.d.save_screenshot(os.path.join(SHOTS, name + ".png"))

    def create(self, name):
        with open(os.path.join(SRC, "config/campaigns/winter-sale.json")) as f:
            c = json.load(f)
        c["name"] = name
        s, _, r = B.request("POST", "/api/v1/campaigns", B.tokens["alice"], c)
        self.assertEqual(s, 201, r)
        return r["id"]

    def sign_in(self, who):
        d = self.d
        d.get(B.url + "/signin")
        d.delete_all_cookies()
        d.get(B.url + "/")
        self.wait.until(EC.presence_of_element_located((By.ID, "token")))
        self.assertTrue(d.current_url.endswith("/signin"))
        d.find_element(By.ID, "token").send_keys(B.tokens[who])
        if who == "alice":
            self.shot("signin")
        d.find_element(By.ID, "signin").click()
        self.wait.until(EC.presence_of_element_located((By.ID, "campaigns")))
        cookie = d.get_cookie("baton_session")
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie["sameSite"], "Strict")

    def texts(self, css):
        """The texts of the elements `css` selects, read at once (the pages redraw live)."""
        return self.d.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", css)

    def ids(self, css):
        return self.d.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.dataset.id)", css)

    def click(self, css):
        """Clicks what `css` selects, found and clicked in one script call (the canvas redraws
        live, so a handle found first can be stale by the time it is clicked)."""
        self.assertTrue(self.d.execute_script(
            "const e = document.querySelector(arguments[0]); if (!e) return false;"
            "e.dispatchEvent(new MouseEvent('click', {bubbles: true})); return true;", css), css)

    def edge_labels(self):
        return self.texts("#graph .edge .count")

    def test_1_list_live_canvas_time_travel_report_events(self):
        d, wait = self.d, self.wait
        spring = self.create("Spring sale")
        cid = self.create("Winter sale")
        self.sign_in("alice")
        wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "#campaigns tr[data-id]")) >= 2)
        d.find_element(By.ID, "search").send_keys("spring")
        wait.until(lambda _: self.ids("#campaigns tr[data-id]") == [spring])
        d.find_element(By.ID, "search").clear()
        Select(d.find_element(By.ID, "status-filter")).select_by_value("draft")
        wait.until(lambda _: "status=draft" in d.current_url)
        wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "#campaigns tr[data-id]")) >= 2)
        self.shot("list")

        d.get(f"{B.url}/campaigns/{cid}")
        wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "#graph .node")) == 10)
        self.assertTrue(all(l.endswith("–") for l in self.edge_labels()), self.edge_labels())
        d.execute_script("window.__same_page = 1")
        d.find_element(By.CSS_SELECTOR, "button[data-verb=publish]").click()
        # The counts arrive over the event stream: the same page, no reload.
        wait.until(lambda _: any(l[-1].isdigit() for l in self.edge_labels()))
        wait.until(lambda _: d.find_element(By.ID, "campaign-status").text in ("live", "completed"))
        wait.until(lambda _: not d.find_elements(By.CSS_SELECTOR, "#graph .node.s-running"))
        B.wait_status(B.tokens["alice"], cid, ("completed",))
        wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "#graph .node.s-done")) >= 5)
        self.assertEqual(d.execute_script("return window.__same_page"), 1)
        done = self.edge_labels()
        self.shot("canvas")
        self.click('#graph .node[data-id="buyers"]')
        wait.until(lambda _: "build_audience" in d.find_element(By.ID, "activity-options").text)
        self.assertIn("count in", d.find_element(By.ID, "details").text)
        self.shot("canvas-details")

        # Time travel: back to the first event, the draft without counts; then to the end.
        slider = d.find_element(By.ID, "time-travel")
        wait.until(lambda _: int(slider.get_attribute("max")) > 5)
        d.execute_script("arguments[0].value = 0; arguments[0].dispatchEvent(new Event('input'))",
                         slider)
        wait.until(lambda _: "campaign_created" in d.find_element(By.ID, "time-travel-label").text)
        self.assertIn("alice", d.find_element(By.ID, "time-travel-label").text)
        wait.until(lambda _: d.find_element(By.ID, "campaign-status").text == "draft")
        wait.until(lambda _: all(l.endswith("–") for l in self.edge_labels()))
        self.shot("time-travel")
        d.execute_script("arguments[0].value = arguments[0].max; "
                         "arguments[0].dispatchEvent(new Event('input'))", slider)
        wait.until(lambda _: self.edge_labels() == done)

        d.get(f"{B.url}/campaigns/{cid}/report")
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#funnel .bar")))
        sent = d.find_element(By.CSS_SELECTOR, '#funnel .bar[data-step="sent"] .count').text
        self.assertNotEqual(sent, "0")
        self.shot("report")

        d.get(f"{B.url}/events")
        wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "#events tbody tr")) > 5)
        later = self.create("Summer sale")  # followed: its event comes in without a reload
        wait.until(lambda _: any(later in t for t in self.texts("#events tbody tr")))
        self.shot("events")

    def test_2_viewer_refused(self):
        d, wait = self.d, self.wait
        cid = self.create("Viewer's view")
        self.sign_in("victor")
        d.get(f"{B.url}/campaigns/{cid}")
        wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "#graph .node")) == 10)
        self.assertEqual(d.find_elements(By.CSS_SELECTOR, "button[data-verb=publish]"), [])
        d.execute_script("Baton.act('publish')")  # what a hand-made request would do
        wait.until(lambda _: "may not campaign publish" in d.find_element(By.ID, "flash").text)
        self.shot("viewer-refused")
        d.get(f"{B.url}/events?type=permission_refused")
        wait.until(lambda _: any("victor" in t for t in self.texts("#events tbody tr.refused")))


if __name__ == "__main__":
    B = Batond(sys.argv.pop(1), profiles=3000)
    SHOTS = sys.argv.pop(1) if len(sys.argv) > 1 else B.work
    os.makedirs(SHOTS, exist_ok=True)
    try:
        unittest.main(verbosity=2)
    finally:
        B.close()
