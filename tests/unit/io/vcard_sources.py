"""Where the vCard tests find their files: the project's fixtures, and the shared corpus of real
files from other projects (not part of the repository: found through $CRM_TUI_CORPUS or at
../shared/corpus next to the repository; tests that need it skip when it is not there)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "vcard"
FIXTURE_FILES = sorted(FIXTURES.glob("*.vcf"))
CORPUS = Path(os.environ.get("CRM_TUI_CORPUS") or REPO_ROOT.parent / "shared" / "corpus")
VCARD_DIR = CORPUS / "vcard"
CORPUS_FILES = sorted(VCARD_DIR.glob("*.vcf")) if VCARD_DIR.is_dir() else []
