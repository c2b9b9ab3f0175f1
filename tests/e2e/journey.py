"""What every persona journey does on each page it lands on: axe-core finds no serious or
critical WCAG 2.1 AA violation, a French page says nothing in English, and, when
CARM_GUIDE_SCREENSHOTS names a folder, the steps worth showing are saved there for the
user guide (docs/guide/)."""

import io
import os
import re
from pathlib import Path

from demo.personas import DEMO_PASSWORD

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()
RUN_AXE = """async () => {
  const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
  const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
  const results = await axe.run(document, options);
  return results.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
}"""

# What a person sees or hears: the text of the page, shadow roots of the design system's
# components included, and the attributes a screen reader reads out.
READABLE_TEXT = """() => {
  const parts = [document.title];
  const skip = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"]);
  const spoken = ["aria-label", "alt", "placeholder", "title"];
  const walk = (root) => {
    const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) {
      const parent = node.parentElement;
      if (!parent || skip.has(parent.tagName) || !node.textContent.trim()) continue;
      if (parent.checkVisibility && !parent.checkVisibility()) continue;
      parts.push(node.textContent.trim());
    }
    for (const element of root.querySelectorAll("*")) {
      for (const name of spoken) {
        if (element.hasAttribute(name)) parts.push(element.getAttribute(name));
      }
      if (element.tagName === "OPTION" || element.tagName === "title") {
        parts.push(element.textContent.trim());  // a list's choices, an image's name
      }
      const kind = (element.getAttribute("type") || "").toLowerCase();
      if (element.tagName === "INPUT" && ["submit", "button", "reset"].includes(kind)) {
        parts.push(element.value);
      }
      if (element.shadowRoot) walk(element.shadowRoot);
    }
  };
  walk(document.body);
  return parts.filter(Boolean).join("\\n");
}"""

MAIN_CONTENT_BOTTOM = """() => {
  const main = document.querySelector("#main-content");
  return main && Math.ceil(main.getBoundingClientRect().bottom + window.scrollY + 24);
}"""

# English words that are not also French words ("date", "total", "transaction", "client",
# "message", "note", "page", "balance", "due", "or", "on", "an", "as", "file", "case",
# "main", "content", "continue", "refuse", "comment", "bond" are left out on purpose).
ENGLISH_WORDS = """
the and your you with this that these those from for is are was were will would has have
been which please not yes all none into about after before than then them they their our
we it its by at of to in be if can cannot must should could may what when where who how
why here there also only each every other same more less some any new open show
hide home help see read unread mark welcome sign signed login logout password email
settings profile language payment payments paid pay pending settled received receipt
account accounts statement statements amount amounts business businesses request requests
requested submit submitted cancel cancelled back next save delete remove search filter
view download upload add edit update approve approved reject rejected withdraw
withdrawn draft assigned invoice invoices security surety sureties broker brokers
importers customs duty duties tax interest review required optional level
employee employees name reason quantity value vendor lines period month months year years
day days today yesterday first last send issued apply applied agreement bank banking
holder refund refunds ruling rulings appeal appeals status enrol enrolment enrollment
owner owners choose select confirm terms privacy skip upcoming history outstanding
declaration declarations decision decisions reduction reductions relationship relationships
provider providers group groups officer officers workspace preferences key keys never
always role roles reader readers editor editors manager managers member members summary
details print step steps error errors success successfully warning loading enter click
press previous newer older toggle expand collapse reset clear done now time week hour hours
true false unknown enabled disabled closed returned overdue late unpaid fee fees penalty
penalties adjustment adjustments receipts origin country goods release released entry cash
deposit deposits requirement shortfall posted reply
""".split()  # noqa: SIM905 (a list of words reads best as words)
# Acronyms a French reader sees in French: ASFC, TPS, MAP, DPA, LMSI, GCRA.
ENGLISH_ACRONYMS = ["CBSA", "GST", "RPP", "PAD", "SIMA", "CARM"]
ENGLISH = re.compile(
    r"(?<![\w'’@.-])(?:(?i:" + "|".join(ENGLISH_WORDS) + r")|" + "|".join(ENGLISH_ACRONYMS) + r")"
    r"(?![\w'’@-])"
)
# Proper names and what people typed in the demo's data: said as they were written.
PROPER_NAMES = [
    "Maple Leaf Imports Inc.",
    "Maple Leaf Imports — Retail",
    "Maple Leaf Imports — Wholesale",
    "Maple Leaf Imports",
    "Prairie Goods Ltd.",
    "Prairie Goods",
    "Northern Customs Brokers Ltd.",
    "Northern Customs Brokers",
    "True North Surety Co.",
    "True North Surety",
    "Maple team",
    "200 Bay Street",
    "10 Main Street",
    "1 Wellington Street",
    "Customs clearance and accounting for all divisions.",
    "Crew-neck T-shirts, 100 % cotton jersey (knitted), short sleeves.",
    "Are these shirts classified in heading 61.09 (knitted) or 62.05 (woven)?",
    "Please send the fabric's specification sheet showing how it is made.",
    "Late accounting of a release (C152)",
    "English",  # the language toggle, on French pages
    "Government of Canada",  # the Government of Canada signature is bilingual
    "Django",
]
# Addresses are not words: emails, and links (in emails).
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+")


def english_in(text: str, allowed: list[str] = ()) -> list[str]:
    """The lines of `text` with an English word in them, proper names and the given data
    set aside."""
    found = []
    for line in text.splitlines():
        bare = ADDRESS.sub(" ", line)
        for name in sorted([*PROPER_NAMES, *allowed], key=len, reverse=True):
            bare = bare.replace(name, " ")
        if ENGLISH.search(bare):
            found.append(line.strip()[:160])
    return found


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def english_without_french(text: str, allowed: list[str] = ()) -> list[str]:
    """For a document written in both languages ("Statement of Account / Relevé de
    compte"): the lines with English that give no French after it."""
    found = []
    # A label too long for its cell breaks after the slash: its French is on the next line.
    text = re.sub(r"\s+/\s*\n", " / ", text)
    # A long description wraps before its slash: a line with no slash, followed by one
    # that begins in the middle of a sentence (a digit or a lower-case letter) and reaches
    # the slash, is one cell.
    lines = []
    for line in text.splitlines():
        if lines and " / " not in lines[-1] and " / " in line and re.match(r"[0-9a-zà-ÿ]", line):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    for line in lines:
        english, _, french = line.partition(" / ")
        if english_in(english, allowed) and (not french or english_in(french, allowed)):
            found.append(line.strip()[:160])
    return found


class Journey:
    """A persona's walk through the portal in one language, with the checks every page
    gets; `finish()` fails on whatever the walk found, each problem with its address."""

    def __init__(self, page, base: str, language: str, persona: str, allowed=()):
        self.page, self.base, self.language, self.persona = page, base, language, persona
        self.allowed = list(allowed)
        self.problems: list[str] = []
        self.shots = 0
        folder = os.environ.get("CARM_GUIDE_SCREENSHOTS")
        self.folder = Path(folder) if folder else None
        page.set_viewport_size({"width": 1280, "height": 800})

    def url(self, path: str) -> str:
        return self.base + path.format(lang=self.language)

    def goto(self, path: str, screenshot: str = "") -> None:
        self.page.goto(self.url(path))
        self.arrived(screenshot)

    def arrived(self, screenshot: str = "") -> None:
        """The checks of the page just reached (after a click, a form or a goto)."""
        page = self.page
        page.wait_for_load_state("load")
        page.add_script_tag(content=AXE)
        for violation in page.evaluate(RUN_AXE):
            self.problems.append(f"{page.url}: axe {violation}")
        if self.language == "fr":
            for line in english_in(page.evaluate(READABLE_TEXT), self.allowed):
                self.problems.append(f"{page.url}: English «{line}»")
        if screenshot:
            self.screenshot(screenshot)

    def screenshot(self, step: str, full_page: bool = False) -> None:
        """A PNG for the guide: the viewport, or the whole page down to the end of its
        main content (not the footer); in 256 colours, which the portal's flat design
        keeps sharp at a quarter of the size."""
        if self.folder is None:
            return
        from PIL import Image

        options = {}
        bottom = self.page.evaluate(MAIN_CONTENT_BOTTOM) if full_page else None
        if bottom:
            options = {"full_page": True, "clip": {"x": 0, "y": 0, "width": 1280, "height": bottom}}
        image = Image.open(io.BytesIO(self.page.screenshot(**options)))
        self.shots += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{self.persona}-{self.language}-{self.shots:02d}-{step}.png"
        image.convert("RGB").quantize(colors=256).save(self.folder / name, optimize=True)

    def sign_in(self, email: str, password: str = DEMO_PASSWORD, screenshot: str = "") -> None:
        self.goto("/{lang}/accounts/login/", screenshot)
        self.page.locator('input[name="login"]').fill(email)
        self.page.locator('input[name="password"]').fill(password)
        self.page.locator('form button[type="submit"]').first.click()
        self.page.wait_for_url(lambda url: "/accounts/login/" not in url)
        # A person lands in the language of their profile; the toggle in the page's
        # header switches to the journey's.
        if f"/{self.language}/" not in self.page.url:
            with self.page.expect_navigation():
                self.page.locator("gcds-lang-toggle a").click()
        self.arrived()

    def click(self, locator, screenshot: str = "", url=None) -> None:
        """Follow a link or send a form, then check where it led."""
        with self.page.expect_navigation(**({"url": url} if url else {})):
            locator.click()
        self.arrived(screenshot)

    def check_pdf(self, content: bytes, where: str, bilingual: bool = False) -> None:
        if self.language != "fr":
            return
        text = pdf_text(content)
        found = (english_without_french if bilingual else english_in)(text, self.allowed)
        self.problems.extend(f"{where}: English «{line}»" for line in found)

    def check_emails(self, messages, where: str = "email") -> None:
        """Emails to French readers, whatever language the journey's pages speak."""
        for message in messages:
            for line in english_in(f"{message.subject}\n{message.body}", self.allowed):
                self.problems.append(f"{where} «{message.subject}»: English «{line}»")

    def finish(self) -> None:
        assert self.problems == [], "\n".join(self.problems)
