"""Accessibility checks inside a real Chromium: axe-core (npm, pinned) and the kiosk's own rules.

axe-core is injected by the tests only, from node_modules; the app never serves it. Pages that
run axe need a browser context made with `bypass_csp=True`: the injected script is inline, and
the app's Content-Security-Policy (own scripts only) would rightly refuse it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

NODE_MODULES = Path(os.environ.get("NODE_MODULES", Path(__file__).parent.parent / "node_modules"))
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
MIN_TOUCH_PX = 48

# Everything a finger is meant to hit. Links inside running text are exempt (WCAG 2.5.5
# "inline"); a radio button or checkbox counts as the label wrapped around it (the rating faces,
# the checklist), which is what the finger actually hits.
TOUCH_TARGETS = """
a[href]:not(p a, li > span a, dd a, td a), button, select, summary, [role=button], textarea,
input:not([type=hidden]):not([type=radio]):not([type=checkbox]),
label:has(> input[type=radio]), label:has(> input[type=checkbox])
"""


def axe_violations(page: Page, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    """axe's violations on the page as shown now, of the given impacts, WCAG 2.x A and AA rules
    plus best practices. Each: id, impact, help and the first few offending elements."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make setup` (npm ci) to install axe-core")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' +
                                         (n.failureSummary || '').replace(/\\s+/g, ' '))}));
    }""")
    return [v for v in result if v["impact"] in impacts]


def describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
                     for v in violations)


def small_targets(page: Page, selector: str = TOUCH_TARGETS) -> list[str]:
    """Visible touch targets smaller than 48 x 48 CSS px, as 'tag "text" WxH'."""
    return page.evaluate("""([selector, minimum]) => {
        const small = [];
        for (const el of document.querySelectorAll(selector)) {
            const box = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            if (!box.width || !box.height || style.visibility === 'hidden') continue;
            if (box.width < minimum || box.height < minimum) {
                const text = (el.innerText || el.value || el.getAttribute('aria-label') || '')
                    .trim().slice(0, 30);
                small.push(`${el.tagName.toLowerCase()}.${el.className} "${text}" ` +
                           `${Math.round(box.width)}x${Math.round(box.height)}`);
            }
        }
        return small;
    }""", [selector, MIN_TOUCH_PX])


def sideways_scroll(page: Page) -> int:
    """How many CSS px the page is wider than the window (0: no horizontal scrolling)."""
    return page.evaluate(
        "Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def zoomed(viewport: dict[str, int], percent: int = 200) -> dict:
    """Context options for a browser zoomed to `percent` on a screen of `viewport` pixels: zoom
    shrinks the layout viewport in CSS px and draws each CSS px with more device pixels."""
    factor = percent / 100
    return {"viewport": {"width": round(viewport["width"] / factor),
                         "height": round(viewport["height"] / factor)},
            "device_scale_factor": factor}
