"""Every image the READMEs show is in the repository: a link to a file that was never
committed (a git-ignored SVG, say) is a broken picture on the project's front page."""
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READMES = ["README.md", "examples/README.md"]
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)[^)]*\)|<img[^>]*\ssrc=[\"']([^\"']+)[\"']")


def _tracked():
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return set(out.decode().split("\0"))


def _images(readme):
    text = (ROOT / readme).read_text(encoding="utf-8")
    links = [a or b for a, b in IMAGE.findall(text)]
    return [link for link in links if not re.match(r"[a-z]+://", link)]


@pytest.mark.parametrize("readme", READMES)
def test_every_image_a_readme_links_is_committed(readme):
    tracked = _tracked()
    images = _images(readme)
    assert images, f"{readme} shows no image: has the link syntax changed?"
    base = (ROOT / readme).parent
    missing = [link for link in images
               if (base / link).resolve().relative_to(ROOT).as_posix() not in tracked]
    assert missing == [], f"{readme} links images that are not committed: {missing}"
