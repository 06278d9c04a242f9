"""Where the real-world test files are: `../shared/corpus` beside the clone.

A clone on its own has no corpus, so the tests that read it carry the `corpus` marker
and skip with a reason when it is absent. CI sets ACCORD_REQUIRE_CORPUS=1, which turns
those skips into failures. ACCORD_CORPUS_DIR points elsewhere (tests of this rule).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS = Path(
    os.environ.get("ACCORD_CORPUS_DIR") or Path(__file__).resolve().parents[2] / "shared" / "corpus"
)
corpus = pytest.mark.corpus
# Stands in for a parametrised corpus file when there is no corpus, so the test is still
# collected, and skips (or fails in CI) instead of vanishing.
MISSING = CORPUS / "(corpus missing)"


def corpus_files(folder: str, pattern: str = "*") -> list[Path]:
    """The corpus files matching `pattern` in `folder`, sorted; [MISSING] without corpus."""
    found = sorted((CORPUS / folder).glob(pattern))
    return found or [MISSING]


def check_corpus(item: pytest.Item) -> None:
    """Skip, or fail where the corpus is required, a corpus test when it is absent."""
    if item.get_closest_marker("corpus") is None or CORPUS.is_dir():
        return
    message = f"needs the shared test corpus at {CORPUS}"
    if os.environ.get("ACCORD_REQUIRE_CORPUS"):
        pytest.fail(f"{message} (ACCORD_REQUIRE_CORPUS is set)", pytrace=False)
    pytest.skip(message)
