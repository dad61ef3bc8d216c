"""The web console in a real browser (Debian's Chromium, driven by Playwright).

Run by tests/tests/console.rs against a test server seeded with the demo:

    python3 console_browser.py BASE_URL TOKENS_JSON COMPONENT [SCREENSHOT_DIR]

One browser process, one context per person. Steps: every role signs in;
Sakura Bank submits a report (first with a mistake: the form names the field),
and Tokyo, watching its inbox, sees it arrive live with the victim masked;
Tokyo is refused the operator page (the 403 page); the Council operator stages
a new version, runs the playground on it and sees per-member differences, and
runs it on an uploaded component (COMPONENT, the built baseline plugin, which
the Council runs already: no differences); the
steering committee approves it and the operator activates it; the language
switch turns the page Japanese. Every page is watched for console errors and
Content-Security-Policy violations: any fails the run. With SCREENSHOT_DIR,
the main pages are saved there as PNG (docs/console/).

Prints "OK: <seconds>" on success; raises (exit 1) otherwise.
"""

import json
import re
import sys
import time

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
# Chromium logs "Failed to load resource" for a page that answers 4xx; the
# pages this run opens on purpose to be refused are expected to, no others.
FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (\d+)")


class Watch:
    """Console errors and CSP violations of every page of a context."""

    def __init__(self):
        self.problems = []
        # (who, path, status) of each refusal the run provokes.
        self.refusals = set()

    def refuse(self, who, path, status):
        self.refusals.add((who, path, status))

    def attach(self, page, who):
        def on_console(message):
            if message.type != "error":
                return
            failed = FAILED_LOAD.match(message.text)
            url = message.location.get("url", "")
            path = re.sub(r"^https?://[^/]+", "", url)
            if failed and (who, path, int(failed.group(1))) in self.refusals:
                return
            self.problems.append(f"{who}: console error at {path}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"{who}: page error: {error}"))
        # Playwright's init script runs outside the page's CSP.
        page.add_init_script(
            """document.addEventListener('securitypolicyviolation', (e) => {
                 console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI);
               });"""
        )


def main():
    base, tokens_path = sys.argv[1], sys.argv[2]
    component = sys.argv[3]
    shots = sys.argv[4] if len(sys.argv) > 4 else None
    tokens = json.load(open(tokens_path))
    started = time.monotonic()
    watch = Watch()

    def shot(page, name):
        if shots:
            page.screenshot(path=f"{shots}/{name}.png", full_page=False)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )

        def person(who, locale="en-GB"):
            context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
            page = context.new_page()
            watch.attach(page, who)
            page.goto(f"{base}/")
            expect(page).to_have_url(re.compile(r"/console/sign-in$"))
            page.fill("#token", tokens[who])
            page.click("button[type=submit]")
            return page

        # A bad token is refused on the sign-in page itself.
        stranger = browser.new_context().new_page()
        watch.attach(stranger, "stranger")
        stranger.goto(f"{base}/console/sign-in")
        stranger.fill("#token", "isac_not-a-token")
        watch.refuse("stranger", "/console/sign-in", 401)
        stranger.click("button[type=submit]")
        expect(stranger.locator("#token-error")).to_be_visible()
        shot(stranger, "sign-in")

        # Tokyo watches its inbox.
        tokyo = person("tokyo@council")
        expect(tokyo).to_have_url(re.compile(r"/console/inbox$"))
        expect(tokyo.locator("#inbox")).to_have_attribute("data-live", "open")

        # Sakura Bank submits: first with a mistake, then properly.
        sakura = person("sakura-bank@council")
        sakura.goto(f"{base}/console/submit")
        sakura.fill("#title", "Phishing kit targeting Sakura Bank customers")
        sakura.fill("#victim", "Sakura Bank")
        sakura.fill("#indicators", "domain")
        watch.refuse("sakura-bank@council", "/console/submit", 422)
        sakura.click("#report button[type=submit]")
        expect(sakura.locator("#indicators-error")).to_contain_text("indicators[0]")
        expect(sakura.locator("#indicators")).to_have_attribute("aria-invalid", "true")
        shot(sakura, "submit-error")
        sakura.fill("#indicators", "domain sakura-bank-login.example")
        sakura.fill("#body", "Look-alike login page reported by customers of Sakura Bank")
        sakura.click("#report button[type=submit]")
        expect(sakura.locator("#submitted")).to_be_visible()

        # It arrives in Tokyo's open inbox, the victim masked.
        arrived = tokyo.locator("#inbox tr.arrived").first
        expect(arrived).to_be_visible(timeout=10_000)
        expect(arrived.locator("mark.masked")).to_have_count(1)
        assert "Sakura Bank" not in arrived.inner_text(), arrived.inner_text()
        shot(tokyo, "inbox")
        arrived.locator("a").click()
        expect(tokyo.locator("dd.victim mark.masked")).to_be_visible()
        assert "Sakura Bank" not in tokyo.locator("main").inner_text()
        shot(tokyo, "delivery")

        # A member cannot open an operator page.
        watch.refuse("tokyo@council", "/console/communities/council", 403)
        refused = tokyo.goto(f"{base}/console/communities/council")
        assert refused.status == 403, refused.status
        expect(tokyo.locator("h1")).to_contain_text("403")
        shot(tokyo, "forbidden")

        # The operator stages a new version and tries it in the playground.
        operator = person("operator@council")
        expect(operator).to_have_url(re.compile(r"/console/communities/council$"))
        operator.fill("#plugin", "give-and-take")
        operator.fill("#settings", '{"free_rider_delay_hours": 24}')
        operator.click("#stage ~ form button[type=submit]")
        staged = operator.locator("#versions tr[data-status=staged]").first
        expect(staged).to_be_visible()
        version = staged.get_attribute("data-version")
        shot(operator, "versions")
        operator.goto(f"{base}/console/communities/council/playground")
        operator.select_option("#version", version)
        operator.fill("#title", "Credential phishing against a regional bank")
        operator.fill("#victim", "Sakura Bank")
        operator.fill("#indicators", "domain bank-login.example")
        operator.click("#playground button[value=run]")
        expect(operator.locator("#per-member")).to_be_visible()
        differing = int(operator.locator("#differing").inner_text())
        assert differing > 0, "the playground shows no member whose outcome differs"
        expect(operator.locator("#per-member tr.differs").first).to_be_visible()
        operator.locator("#results").scroll_into_view_if_needed()
        shot(operator, "playground")
        # An uploaded component, tried without being stored: the Council's own
        # baseline, so nobody's outcome differs.
        operator.set_input_files("#component", component)
        operator.click("#playground button[value=run]")
        expect(operator.locator("#differing")).to_have_text("0")

        # Shadowed, the version decides the next live report beside the active
        # one; its diffs name each member whose view would differ.
        operator.goto(f"{base}/console/communities/council")
        operator.click(f"#versions tr[data-version='{version}'] button[data-action=shadow]")
        expect(operator.locator(f"#versions tr[data-version='{version}']")).to_have_attribute("data-status", "shadow")
        sakura.goto(f"{base}/console/submit")
        sakura.fill("#title", "Second wave of the phishing kit")
        sakura.fill("#indicators", "domain sakura-bank-login2.example")
        sakura.click("#report button[type=submit]")
        expect(sakura.locator("#submitted")).to_be_visible()
        diffs = f"{base}/console/communities/council/versions/{version}/diffs"
        for _ in range(50):
            operator.goto(diffs)
            if operator.locator("tr.differs").count() > 0:
                break
            time.sleep(0.2)
        expect(operator.locator("tr.differs").first).to_be_visible()
        operator.locator("article.diff").first.scroll_into_view_if_needed()
        shot(operator, "shadow-diffs")

        # The decision log names members by organisation; explain says why.
        operator.goto(f"{base}/console/communities/council/decisions")
        expect(operator.locator("#decisions")).to_contain_text("Tokyo Metropolitan Government")
        shot(operator, "decisions")
        operator.click("nav.main a[href$='/quarantine']")
        expect(operator.locator("h1")).to_have_text("Quarantine")

        # The steering committee approves; the operator activates.
        steering = person("steering_committee")
        expect(steering).to_have_url(re.compile(r"/console/steering$"))
        shot(steering, "steering")
        steering.goto(f"{base}/console/communities/council")
        steering.click(f"#versions tr[data-version='{version}'] button[data-action=approve]")
        expect(steering.locator(".notice")).to_be_visible()
        operator.goto(f"{base}/console/communities/council")
        operator.click(f"#versions tr[data-version='{version}'] button[data-action=activate]")
        expect(operator.locator("#active-version")).to_contain_text(f"v{version}")
        shot(operator, "versions-activated")
        # ...and rolls back to the version active before it.
        operator.click("#rollback-to ~ button[type=submit]")
        expect(operator.locator("#active-version")).not_to_contain_text(f"v{version}")

        # The secretariat's page; then the language switch.
        secretariat = person("secretariat")
        expect(secretariat.locator("#chain-status")).to_have_class(re.compile("ok"))
        shot(secretariat, "secretariat")
        secretariat.click("nav.lang a[lang=ja]")
        expect(secretariat.locator("html")).to_have_attribute("lang", "ja")
        expect(secretariat.locator("h1")).to_have_text("事務局")

        # A Japanese browser gets Japanese without the switch.
        ja = person("sakura-bank@council", locale="ja-JP")
        expect(ja.locator("html")).to_have_attribute("lang", "ja")
        expect(ja.locator("h1")).to_have_text("受信箱")

        browser.close()

    if watch.problems:
        raise SystemExit("\n".join(watch.problems))
    print(f"OK: {time.monotonic() - started:.1f}")


if __name__ == "__main__":
    main()
