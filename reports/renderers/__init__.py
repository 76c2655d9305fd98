"""Formatters: one ReportDocument, four output formats."""

from dataclasses import dataclass

from django.template.loader import render_to_string

from ..choices import FileFormat
from .tabular import render_csv, render_json

TOC_MIN_SECTIONS = 4  # "a contents page when there are more than 3 sections"


@dataclass(frozen=True)
class RenderedFile:
    data: bytes
    page_count: int = None


@dataclass
class ReportDocument:
    meta: dict
    figures: dict
    scope_description: str
    sections: list

    def figures_list(self):
        score = self.figures["compliance_score"]
        return [
            ("Compliance score", "—" if score is None else f"{score}%"),
            ("Active rules", self.figures["rule_count"]),
            ("Data sources", self.figures["data_source_count"]),
            ("Open findings", self.figures["finding_count"]),
        ]


def render_html(document, *, for_pdf=False):
    return render_to_string(
        "reports/document.html",
        {
            "doc": document,
            "meta": document.meta,
            "sections": document.sections,
            "show_toc": len(document.sections) >= TOC_MIN_SECTIONS,
            "for_pdf": for_pdf,
        },
    )


def render(document, file_format):
    """Bytes (and page count for PDF) of `document` in `file_format`."""
    if file_format == FileFormat.PDF:
        from .pdf import html_to_pdf  # WeasyPrint is heavy to import: only PDF renders load it

        data, pages, _refused = html_to_pdf(render_html(document, for_pdf=True))
        return RenderedFile(data=data, page_count=pages)
    if file_format == FileFormat.HTML:
        return RenderedFile(data=render_html(document).encode("utf-8"))
    if file_format == FileFormat.CSV:
        return RenderedFile(data=render_csv(document))
    if file_format == FileFormat.JSON:
        return RenderedFile(data=render_json(document))
    raise ValueError(f"Unknown file format {file_format!r}.")
