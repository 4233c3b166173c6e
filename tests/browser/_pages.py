"""A browser context per device, and the small steps the tests repeat."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

WAIT_MS = 10_000


@dataclass
class Device:
    """One person's browser (its own context: storage, cookies) on their own tab."""

    name: str
    context: Any
    page: Any
    errors: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, browser: Any, name: str, url: str, *, width: int = 1280,
             height: int = 860) -> Device:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        device = cls(name, context, page)
        page.on("pageerror", lambda error: device.errors.append(str(error)))
        page.goto(url)
        # Connected, projects read and the first list loaded ("N tickets").
        page.locator("hero-support-tab .list-summary").filter(has_text="ticket").wait_for()
        return device

    def tab(self, selector: str = "") -> Any:
        """A locator inside the tab (Playwright's CSS pierces its open shadow root)."""
        return self.page.locator(f"hero-support-tab {selector}".strip())

    def shoot(self, directory: Path, name: str, *, full_page: bool = True) -> None:
        """A screenshot of the whole page as ``name.png`` (or of the viewport only: a
        ticket's sticky header and composer sit where the screen shows them)."""
        self.page.screenshot(path=str(directory / f"{name}.png"), full_page=full_page)

    def close(self) -> None:
        self.context.close()


def png_bytes(label: str, size: tuple[int, int] = (360, 220)) -> bytes:
    """A small PNG that looks like a screenshot of an error dialog."""
    image = Image.new("RGB", size, (236, 240, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, size[0] - 20, size[1] - 20), fill=(255, 255, 255),
                   outline=(179, 38, 30), width=4)
    draw.rectangle((20, 20, size[0] - 20, 60), fill=(179, 38, 30))
    draw.text((34, 32), "Error", fill=(255, 255, 255))
    draw.text((34, 90), label, fill=(27, 35, 48))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


PASTE_SCRIPT = """
(target, [b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, { type: "image/png" }));
  const event = new ClipboardEvent("paste",
    { clipboardData: data, bubbles: true, cancelable: true });
  target.dispatchEvent(event);
  return event.defaultPrevented;
}
"""


def paste_png(target: Any, data: bytes, name: str) -> bool:
    """Paste an image into ``target`` as a person does with Ctrl+V after a screenshot."""
    return bool(target.evaluate(PASTE_SCRIPT, [base64.b64encode(data).decode(), name]))
