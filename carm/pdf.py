"""The portal's PDF documents, tagged for screen readers.

Every PDF is written as PDF/UA-1 (ISO 14289-1, "Universal Accessibility"): WeasyPrint tags
headings, tables and paragraphs in a structure tree, marks the document tagged and names
its language (WeasyPrint documentation, "pdf_variant"). Pages and the API call this one
function, so no document leaves untagged.
"""


def pdf_from_html(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
