"""--svg pictures: no network reference, and text on its grid when rendered offline (rsvg-convert)."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ok

TEXT = re.compile(r'<text class="([^"]+)" x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"([^>]*)>([^<]*)</text>')


def one_glyph_per_text(svg: str) -> str:
    """The same picture with every character placed on its own at its grid position: text that cannot
    drift, whatever the renderer does with a run of text."""

    def split(m: re.Match[str]) -> str:
        cls, x, y, length, rest, content = m.groups()
        chars = html.unescape(content)
        width = float(length) / len(chars)
        return "".join(
            f'<text class="{cls}" x="{float(x) + i * width:.3f}" y="{y}"{rest}>{html.escape(c)}</text>'
            for i, c in enumerate(chars)
            if not c.isspace()
        )

    return TEXT.sub(split, svg)


def render(svg: str, path: Path) -> Path:
    path.with_suffix(".svg").write_text(svg, encoding="utf-8")
    subprocess.run(["rsvg-convert", str(path.with_suffix(".svg")), "-o", str(path)], check=True)
    return path


def differing_fraction(a: Path, b: Path) -> float:
    from PIL import Image, ImageChops

    first, second = Image.open(a).convert("L"), Image.open(b).convert("L")
    assert first.size == second.size
    diff = ImageChops.difference(first, second).point(lambda v: 255 if v > 96 else 0)
    return sum(diff.histogram()[255:]) / (first.size[0] * first.size[1])


@pytest.mark.parametrize(
    "args",
    [["demo", "circuit"], ["demo", "staged", "--circuit"], ["eval", "(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4"]],
)
def test_svg_makes_no_network_reference(tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "view.svg"
    ok(*args, "--svg", str(out))
    svg = out.read_text(encoding="utf-8")
    assert "@font-face" not in svg
    assert "url(http" not in svg and 'url("http' not in svg
    # the one URL left is the SVG namespace, an identifier that nothing fetches
    assert re.findall(r"https?://[^\s\"')]+", svg) == ["http://www.w3.org/2000/svg"]
    assert "DejaVu Sans Mono" in svg


@pytest.mark.parametrize("args", [["demo", "circuit"], ["demo", "neuron", "--circuit"], ["demo", "staged", "--table"]])
def test_svg_text_stays_on_its_grid_when_rendered_offline(tmp_path: Path, args: list[str]) -> None:
    if shutil.which("rsvg-convert") is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs librsvg2-bin: rsvg-convert must be on PATH")
        pytest.skip("rsvg-convert (librsvg2-bin) is not installed")
    pytest.importorskip("PIL")
    out = tmp_path / "view.svg"
    ok(*args, "--svg", str(out))
    svg = out.read_text(encoding="utf-8")
    assert len(TEXT.findall(svg)) > 5
    picture = render(svg, tmp_path / "picture.png")
    reference = render(one_glyph_per_text(svg), tmp_path / "reference.png")
    assert differing_fraction(picture, reference) < 0.001
