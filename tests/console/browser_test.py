"""The console in a real browser (headless Chromium through Selenium) against a real batond:
sign-in, the campaign list with its filters (status, name, dates), dimension and row actions
(duplicate), a live run whose counts change on the canvas without a reload, a node's details,
the time-travel slider, the report's funnel, the event log with its filters (run, activity,
time) and follow mode, and a viewer's refused action and action-less list. Saves a screenshot of
each step.
Usage: browser_test.py BUILD_DIR [SCREENSHOT_DIR]"""
import datetime
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
        # Exclusions by reason: one bar per reason the report's activities give, with its sum.
        _, _, rep = B.request("GET", f"/api/v1/campaigns/{cid}/report", B.tokens["alice"])
        want = {}
        for a in rep["activities"]:
            for reason, n in a.get("exclusions", {}).items():
                want[reason] = want.get(reason, 0) + n
        self.assertTrue(want, rep)  # the sample data has profiles without consent
        shown = {g.get_attribute("data-reason"): g.find_element(By.CSS_SELECTOR, ".count").text
                 for g in d.find_elements(By.CSS_SELECTOR, "#exclusions .bar")}
        self.assertEqual(set(shown), set(want))
        for reason, n in want.items():
            self.assertEqual(shown[reason].replace(",", "").replace("\u202f", "").replace(" ", ""),
                             str(n))
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
        # The list offers a viewer no action at all.
        d.get(B.url + "/")
        wait.until(lambda _: cid in self.ids("#campaigns tr[data-id]"))
        self.assertEqual(d.find_elements(By.CSS_SELECTOR, "#campaigns button"), [])
        self.assertNotIn("Actions", self.texts("#campaigns th"))
        self.shot("list-viewer")

    def set_value(self, css, value):
        self.d.execute_script(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1];"
            "e.dispatchEvent(new Event('change'));", css, value)

    def rows(self):
        return self.ids("#campaigns tr[data-id]")

    def test_3_list_dimension_dates_and_duplicate(self):
        d, wait = self.d, self.wait
        cid = self.create("Autumn sale")
        self.sign_in("mona")
        wait.until(lambda _: cid in self.rows())
        row = f'#campaigns tr[data-id="{cid}"]'
        self.assertEqual(self.texts(row + " td.dimension"), ["profiles"])
        self.assertIn("Dimension", self.texts("#campaigns th"))
        # A manager may duplicate and delete; archiving needs an approver.
        self.assertEqual(self.d.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map(b => b.dataset.verb)",
            row + " button"), ["duplicate", "delete"])
        today = datetime.datetime.now(datetime.timezone.utc).date()
        yesterday, tomorrow = today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)
        self.set_value("#until", yesterday.isoformat())
        wait.until(lambda _: self.rows() == [])
        self.assertIn("No campaign matches.", self.texts("#campaigns td.muted"))
        self.assertIn(f"until={yesterday.isoformat()}", d.current_url)
        self.set_value("#until", "")
        self.set_value("#since", tomorrow.isoformat())
        wait.until(lambda _: self.rows() == [])
        self.set_value("#since", today.isoformat())
        wait.until(lambda _: cid in self.rows())
        self.shot("list-dates")
        before = set(self.rows())
        self.click(row + ' button[data-verb="duplicate"]')
        wait.until(lambda _: len(set(self.rows()) - before) == 1)
        copy = (set(self.rows()) - before).pop()
        wait.until(lambda _: "copied as" in d.find_element(By.ID, "flash").text)
        self.assertIn(copy, d.find_element(By.ID, "flash").text)
        _, _, shown = B.request("GET", "/api/v1/campaigns/" + copy, B.tokens["alice"])
        self.assertEqual((shown["duplicatedFrom"], shown["dimension"]), (cid, "profiles"))
        self.shot("list-duplicated")

    def test_4_event_log_filters_and_follow(self):
        d, wait = self.d, self.wait
        cid = self.create("Event filters")
        B.request("POST", f"/api/v1/campaigns/{cid}/publish", B.tokens["alice"])
        B.wait_status(B.tokens["alice"], cid, ("completed",))
        self.sign_in("alice")
        d.get(f"{B.url}/events?campaign={cid}&run=1&activity=buyers")
        wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "#events tbody tr")) >= 2)
        whats = self.texts("#events tbody tr td:last-child")
        # The activity's own events, and its transitions (from=buyers), of run 1 only.
        self.assertTrue(all(("activity=buyers" in w or "from=buyers" in w) and "run=1" in w
                            for w in whats), whats)
        self.assertTrue(any("activity=buyers" in w for w in whats), whats)
        self.shot("events-filtered")
        logged = B.events(B.tokens["alice"], f"campaign={cid}")
        seqs = [e["seq"] for e in logged]
        middle = seqs[len(seqs) // 2]
        d.get(f"{B.url}/events?campaign={cid}&since=@{middle}&until=@{seqs[-2]}")
        wait.until(lambda _: self.seqs() == [s for s in reversed(seqs) if middle <= s <= seqs[-2]])
        future = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1))
        self.set_value("#since", future.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.set_value("#until", "")
        wait.until(lambda _: self.seqs() == [])
        self.set_value("#since", "not a time")
        wait.until(lambda _: d.find_element(By.ID, "flash").get_attribute("class") == "error")
        self.assertIn("since", d.find_element(By.ID, "flash").text)
        # Follow mode off: a new event of the campaign does not come in; on: it does.
        fid = self.create("Followed")
        d.get(f"{B.url}/events?campaign={fid}&follow=0")
        wait.until(lambda _: len(self.seqs()) == 1)
        self.assertFalse(d.find_element(By.ID, "follow").is_selected())
        with open(os.path.join(SRC, "config/campaigns/winter-sale.json")) as f:
            doc = json.load(f)
        doc["name"] = "Followed, edited"
        s, _, r = B.request("POST", f"/api/v1/campaigns/{fid}/edit", B.tokens["alice"], doc)
        self.assertEqual(s, 200, r)
        time.sleep(1.5)
        self.assertEqual(len(self.seqs()), 1)
        d.find_element(By.ID, "follow").click()
        wait.until(lambda _: len(self.seqs()) == 2)
        wait.until(lambda _: "following" in d.find_element(By.ID, "flash").text)
        s, _, r = B.request("POST", f"/api/v1/campaigns/{fid}/delete", B.tokens["alice"])
        self.assertEqual(s, 200, r)
        wait.until(lambda _: len(self.seqs()) == 3)
        self.assertIn("campaign_status_changed", self.texts("#events tbody tr")[0])
        self.shot("events-follow")

    def seqs(self):
        return [int(x) for x in self.d.execute_script(
            "return [...document.querySelectorAll('#events tbody tr')].map(e => e.dataset.seq)")]


if __name__ == "__main__":
    B = Batond(sys.argv.pop(1), profiles=3000)
    SHOTS = sys.argv.pop(1) if len(sys.argv) > 1 else B.work
    os.makedirs(SHOTS, exist_ok=True)
    try:
        unittest.main(verbosity=2)
    finally:
        B.close()
