"""CSV import and export of the whole portfolio (Slack-free; the CLI wires it)."""

from store.io.exporter import export_folder
from store.io.formats import KINDS, SPECS
from store.io.importer import (
           ImportRejected,
           ImportReport,
           KindCounts,
           RowError,
           import_path,
)

__all__ = ["KINDS", "SPECS", "ImportRejected", "ImportReport", "KindCounts", "RowError", "export_folder",
           "import_path"]
