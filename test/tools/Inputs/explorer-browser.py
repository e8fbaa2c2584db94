"""explorer-browser.py --screenshot PNG [--search QUERY] -- STRATA SERVE COMMAND...

Starts `strata serve` (with --port 0), opens its page in headless chromium
through selenium, hovers the first plotted point, clicks it, waits for the
neighbour list, with --search types QUERY into the page's search box (text
models) and waits for its list, saves a screenshot, and stops the server.
Prints what it saw, one line per step, for FileCheck."""
import argparse
import subprocess
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--screenshot", required=True)
parser.add_argument("--search", help="a query for the search box of a text model")
parser.add_argument("command", nargs=argparse.REMAINDER)
args = parser.parse_args()
command = args.command[1:] if args.command[:1] == ["--"] else args.command

server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
try:
    banner = server.stdout.readline().strip()  # printed once the port is bound
    if not banner.startswith("serving"):
        sys.exit(f"strata serve did not start (exit {server.poll()}): {banner!r}")
    print(banner)
    url = banner.split(" at ")[1].split()[0]

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1300,900"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        browser.get(url)
        wait = WebDriverWait(browser, 30)
        wait.until(lambda b: b.execute_script("return !!(window.strataExplorer && window.strataExplorer.ready)"))
        count = browser.execute_script("return document.querySelectorAll('#legend span').length")
        n = browser.execute_script("return fetch('api/points').then(r => r.json()).then(d => d.points.length)")
        print(f"page: {n} points, {count} classes")

        # Move to the first point: selenium's offsets are from the canvas's centre.
        canvas = browser.find_element(By.ID, "plot")
        where = browser.execute_script("return window.strataExplorer.pointPosition(0)")
        box = browser.execute_script("const r = arguments[0].getBoundingClientRect();"
                                     "return {x: r.left + r.width / 2, y: r.top + r.height / 2};", canvas)
        dx, dy = round(where["x"] - box["x"]), round(where["y"] - box["y"])
        ActionChains(browser).move_to_element_with_offset(canvas, dx, dy).perform()
        wait.until(lambda b: b.find_element(By.ID, "tip").is_displayed())
        side = browser.execute_script("const c = document.querySelector('#tip canvas'); return c ? c.width / 3 : 0")
        if side:
            print(f"hover: row {where['row']} shows a {side} x {side} image")
        else:
            print(f"hover: row {where['row']} shows the text {browser.find_element(By.ID, 'tip').text!r}")

        ActionChains(browser).move_to_element_with_offset(canvas, dx, dy).click().perform()
        wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "li.neighbour")) > 0)
        print("click: " + browser.find_element(By.ID, "selected").text)
        print(f"neighbours listed: {len(browser.find_elements(By.CSS_SELECTOR, 'li.neighbour'))}")

        if args.search:
            box = browser.find_element(By.ID, "query")
            print(f"search box shown: {box.is_displayed()}")
            box.send_keys(args.search)
            browser.find_element(By.CSS_SELECTOR, "#search button").click()
            wait.until(lambda b: b.find_element(By.ID, "selected").text.startswith("Nearest to \u201c"))
            print("search: " + browser.find_element(By.ID, "selected").text)
            hits = browser.find_elements(By.CSS_SELECTOR, "li.neighbour")
            print(f"search results listed: {len(hits)}")
            print("first result: " + hits[0].text)
        browser.save_screenshot(args.screenshot)
        print(f"screenshot: {args.screenshot}")
    finally:
        browser.quit()
finally:
    server.terminate()
    server.wait(timeout=10)
